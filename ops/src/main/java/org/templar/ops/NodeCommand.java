package org.templar.ops;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.templar.regtest.RegtestNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `templar node`: the embedded regtest node on its own, for demos and for pointing other tools at it. */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Run the embedded regtest node (Bitcoin Core compatible JSON-RPC + ZMQ hashblock).")
final class NodeCommand implements Callable<Integer> {
    @Option(names = "--rpc-port", defaultValue = "18443", description = "JSON-RPC port (default ${DEFAULT-VALUE})")
    int rpcPort;

    @Option(names = "--zmq-port", defaultValue = "28332", description = "ZMQ hashblock port, -1 = off (default ${DEFAULT-VALUE})")
    int zmqPort;

    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE})")
    String bind;

    @Option(names = "--rpc-user", defaultValue = "templar")
    String user;

    @Option(names = "--rpc-password", defaultValue = "templar")
    String password;

    @Option(names = "--data-dir", description = "keep the chain here across restarts (default: in memory)")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        RegtestNode node = RegtestNode.start(new RegtestNode.Config(bind, rpcPort, user, password, zmqPort, dataDir));
        System.out.println("regtest node: RPC " + node.rpcUri() + " (user " + user + "), ZMQ hashblock "
                + node.zmqEndpoint());
        System.out.println("point the pool at it: templar run --node http://" + user + ":" + password + "@"
                + node.rpcUri().getHost() + ":" + node.rpcUri().getPort() + (node.zmqEndpoint() == null ? "" : " --zmq " + node.zmqEndpoint()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
