package org.templar.ops;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one `templar` binary: the pool, the miner-side tools and the operator's CLI. */
@Command(name = "templar", mixinStandardHelpOptions = true, version = "templar " + Templar.VERSION,
        description = "Bitcoin mining pool server: Stratum V1/V2, embedded regtest node, CPU miner, admin CLI.",
        subcommands = {
            RunCommand.class,
            NodeCommand.class,
            MineCommand.class,
            ProxyCommand.class,
            ConfigCommand.class,
            AuditCommand.class,
            AddressCommand.class,
            KeysCommand.class,
            BenchCommand.class,
            AdminCommands.Status.class,
            AdminCommands.Workers.class,
            AdminCommands.Accounts.class,
            AdminCommands.Blocks.class,
            AdminCommands.Kick.class,
            AdminCommands.Ban.class,
            AdminCommands.Unban.class,
            AdminCommands.Bans.class,
            AdminCommands.Drain.class,
            AdminCommands.Reload.class,
            AdminCommands.SetDifficulty.class,
            AdminCommands.Payouts.class,
            AdminCommands.LedgerGroup.class,
            CommandLine.HelpCommand.class
        })
public final class Templar implements Callable<Integer> {
    public static final String VERSION = "0.1.0";

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        if (code != 0 || args.length == 0 || !isLongRunning(args[0])) {
            System.exit(code);
        }
    }

    /** The command line as `main` runs it: a failure is one line on stderr and an exit code, no stack trace. */
    static CommandLine commandLine() {
        return new CommandLine(new Templar())
                .setExecutionExceptionHandler((e, cmd, parse) -> {
                    cmd.getErr().println("templar: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                    return e instanceof org.templar.ops.config.ConfigException ? 2 : 1;
                });
    }

    private static boolean isLongRunning(String command) {
        return command.equals("run") || command.equals("node") || command.equals("mine") || command.equals("proxy");
    }
}
