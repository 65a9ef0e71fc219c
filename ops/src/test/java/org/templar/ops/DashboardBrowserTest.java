package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.bitcoinj.base.BitcoinNetwork;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerConfig;
import org.templar.client.proxy.PoolUpstream;
import org.templar.client.proxy.ProxyConfig;
import org.templar.client.proxy.TemplarProxy;
import org.templar.pool.core.ShareStats;

/**
 * The dashboard in a real browser (Debian's chromium and chromedriver, which .ci/run installs),
 * against a running pool with a miner finding shares and blocks: what a person sees on the pool page
 * and on the miner's own address page.
 *
 * <p>Set TEMPLAR_SCREENSHOTS=DIR to keep the screenshots (docs/ has the ones from a real run).
 */
@Timeout(180)
class DashboardBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @Test
    void poolAndAddressPagesShowTheMiningAsItHappens(@TempDir Path dir) throws Exception {
        boolean ci = System.getenv("CI") != null;
        if (!ci) {
            assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                    "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
        }
        String address = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("metrics.listen", "127.0.0.1:0"))) {
            try (CpuMiner miner = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, address + ".rig7"))) {
                assertTrue(miner.awaitBlocks(1, Duration.ofSeconds(60)), "the miner finds a block");
                PoolHarness.await(Duration.ofSeconds(20), () -> pool.pool().ledger().recentBlocks(20).stream()
                        .anyMatch(b -> b.status() == org.templar.payout.BlockStatus.ACCEPTED)
                        && pool.pool().stats().pool().hashrate().m5() > 0, "an accepted block and hashrate are recorded");
                String base = "http://127.0.0.1:" + pool.running.metrics().address().getPort();

                // the chart library comes from the pool, not from the internet
                HttpResponse<String> lib = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create(base + "/assets/uplot/uPlot.iife.min.js")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, lib.statusCode());
                assertTrue(lib.body().contains("uPlot"));

                ChromeDriver browser = browser();
                try {
                    browser.get(base + "/");
                    waitLoaded(browser);
                    assertEquals("regtest · solo", text(browser, "network"));
                    assertTrue(text(browser, "hashrate-1h").matches("[0-9.]+ [kMGTPE]?H/s"),
                            "pool hashrate shown: " + text(browser, "hashrate-1h"));
                    assertFalse(text(browser, "hashrate-1h").startsWith("0 "), "the miner's work shows");
                    assertEquals("1", text(browser, "miners"));
                    assertTrue(text(browser, "height").startsWith("chain height "));
                    WebElement chart = browser.findElement(By.id("chart"));
                    assertEquals("true", chart.getAttribute("data-drawn"));
                    assertEquals("144", chart.getAttribute("data-points"), "24 h of 10-minute points");
                    assertFalse(chart.findElements(By.tagName("canvas")).isEmpty(), "uPlot drew a canvas");
                    List<WebElement> rows = browser.findElements(By.cssSelector("#blocks tbody tr"));
                    assertFalse(rows.isEmpty(), "the block found is listed");
                    // the newest row may be a second solve at the same height, which the node holds as stale
                    WebElement accepted = rows.stream().filter(r -> r.getText().contains("accepted")).findFirst()
                            .orElseThrow(() -> new AssertionError("no accepted block listed: "
                                    + rows.stream().map(WebElement::getText).toList()));
                    String row = accepted.getText();
                    assertTrue(row.contains(address + ".rig7"), row);
                    screenshot(browser, "dashboard-pool.png");

                    // a person follows the link to the address's own page
                    accepted.findElement(By.linkText(address + ".rig7")).click();
                    new WebDriverWait(browser, Duration.ofSeconds(20)).until(
                            b -> b.getCurrentUrl().endsWith("/address/" + address));
                    waitLoaded(browser);
                    assertEquals(address, text(browser, "account"));
                    assertEquals("1", text(browser, "worker-count"));
                    List<WebElement> workers = browser.findElements(By.cssSelector("#workers tbody tr"));
                    assertEquals(1, workers.size());
                    String worker = workers.get(0).getText();
                    assertTrue(worker.startsWith("rig7 "), worker);
                    assertTrue(worker.matches(".*[0-9.]+ [kMGTPE]?H/s.*"), worker);
                    assertTrue(Integer.parseInt(text(browser, "block-count")) >= 1);
                    assertEquals("true", browser.findElement(By.id("chart")).getAttribute("data-drawn"));
                    screenshot(browser, "dashboard-address.png");

                    // an address with no work yet: an empty page that says so, not an error
                    browser.get(base + "/address/" + SoloAndPoolMiningTest.newAddress());
                    waitLoaded(browser);
                    assertTrue(browser.findElement(By.id("no-workers")).isDisplayed());
                    assertEquals("0", text(browser, "worker-count"));
                } finally {
                    browser.quit();
                }
            }
        }
    }

    /**
     * The decentralization panel as a person sees it: one miner on the pool's own templates (SV1), one
     * behind {@code templar proxy}, which declares its templates to the pool's JDS; the pool page says what
     * part of the work runs on templates the miners chose.
     */
    @Test
    void poolPageShowsHowMuchWorkIsOnMinerDeclaredTemplates(@TempDir Path dir) throws Exception {
        boolean ci = System.getenv("CI") != null;
        if (!ci) {
            assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                    "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
        }
        try (PoolHarness pool = JdsEndToEndTest.startPool(dir.resolve("pool"), Map.of("metrics.listen", "127.0.0.1:0",
                "pool.track_seconds", "1"))) {
            // The proxy builds its templates from a node of its own; here the pool's node stands in for it,
            // which changes nothing for the pool: the templates still arrive as the miner's declarations.
            ProxyConfig cfg = ProxyConfig.of(pool.node.endpoint(), BitcoinNetwork.REGTEST,
                    SoloAndPoolMiningTest.newAddress(), new java.net.InetSocketAddress("127.0.0.1", 0), dir.resolve("proxy"))
                    .withPool(new PoolUpstream.Config(pool.pool().jdsAddress(), pool.pool().sv2Address(),
                            pool.pool().authority().orElseThrow().publicKey(), "dave.proxy", Duration.ofSeconds(3),
                            Duration.ofSeconds(1)));
            // On regtest about one hash in two is a block, so a miner on the pool's templates moves the tip
            // as fast as it hashes and no declaration would outlive its tip: it mines first, up to a block.
            try (CpuMiner onPoolTemplates = CpuMiner.start(MinerConfig.of(
                    "stratum+tcp://127.0.0.1:" + pool.sv1().getPort(), "carol.rig1").withThreads(1)
                    .withLimits(1, 0, Duration.ZERO))) {
                onPoolTemplates.termination().get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            try (TemplarProxy proxy = TemplarProxy.start(cfg);
                    CpuMiner behindProxy = CpuMiner.start(MinerConfig.of(
                            "stratum+tcp://127.0.0.1:" + proxy.sv1Address().getPort(), "s19").withThreads(1)
                            .withMaxReconnects(3))) {
                PoolHarness.await(Duration.ofSeconds(90), () -> {
                    double f = pool.pool().stats().templates().declaredFraction(ShareStats.Window.H1);
                    return f > 0 && f < 1;
                }, "work on both the pool's and the miner's templates");
                String base = "http://127.0.0.1:" + pool.running.metrics().address().getPort();
                ChromeDriver browser = browser();
                try {
                    browser.get(base + "/");
                    waitLoaded(browser);
                    WebElement panel = browser.findElement(By.id("decentralization"));
                    assertTrue(panel.isDisplayed(), "the decentralization panel shows once miners declare templates");
                    String fraction = text(browser, "declared-fraction");
                    assertTrue(fraction.matches("[0-9]{1,3}\\.[0-9] %"), fraction);
                    double percent = Double.parseDouble(fraction.substring(0, fraction.length() - 2));
                    assertTrue(percent > 0 && percent < 100, "both kinds of work are mined: " + fraction);
                    assertTrue(Integer.parseInt(text(browser, "template-sources")) >= 1);
                    screenshot(browser, "dashboard-decentralization.png");

                    // The proxy's account is credited by PPLNS for the blocks it found: its page shows the
                    // immature balance (a block pays out 100 blocks later) and, so far, no payment.
                    PoolHarness.await(Duration.ofSeconds(60), () -> new org.templar.payout.PayoutLedger(pool.pool().ledger())
                            .balance("dave").immatureSats() > 0, "dave's credit for the accepted blocks");
                    browser.get(base + "/address/dave");
                    waitLoaded(browser);
                    String balance = text(browser, "balance-other");
                    assertTrue(balance.matches("immature [0-9]+\\.[0-9]{8} BTC · paid 0\\.00000000 BTC.*"), balance);
                    assertFalse(balance.startsWith("immature 0.00000000"), balance);
                    assertTrue(browser.findElement(By.id("no-payments")).isDisplayed());
                    screenshot(browser, "dashboard-address-balance.png");
                } finally {
                    browser.quit();
                }
            }
        }
    }

    private static ChromeDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // root in CI, no display, and a machine whose only network is loopback
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    private static void waitLoaded(ChromeDriver browser) {
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(
                b -> "true".equals(b.findElement(By.tagName("body")).getAttribute("data-loaded")));
    }

    private static String text(ChromeDriver browser, String id) {
        return browser.findElement(By.id(id)).getText().trim();
    }

    private static void screenshot(ChromeDriver browser, String name) throws Exception {
        String dir = System.getenv("TEMPLAR_SCREENSHOTS");
        if (dir != null) {
            File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.createDirectories(Path.of(dir));
            Files.copy(shot.toPath(), Path.of(dir, name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
