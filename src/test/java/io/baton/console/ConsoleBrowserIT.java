package io.baton.console;

import io.baton.BatonTestServices;
import io.baton.PackagedBaton;
import io.baton.TestTokens;
import io.baton.emulator.DigdagEmulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The console in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, installed by
 * {@code scripts/test-tools.sh}) against the packaged application and the Digdag emulator. Saves screenshots of
 * Today, the graph and a rule page to {@code target/screenshots/}.
 */
class ConsoleBrowserIT {

    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final Duration LIVE = Duration.ofSeconds(30);

    private final BatonTestServices services = new BatonTestServices();
    private final DigdagEmulator emulator = BatonTestServices.emulator();
    private final List<WebDriver> browsers = new ArrayList<>();
    private final String suffix = UUID.randomUUID().toString().substring(0, 6);
    private final String game = "game-" + suffix;
    private final String eikaiwa = "eikaiwa-" + suffix;
    private final String bi = "bi-" + suffix;
    private final String finance = "finance-" + suffix;
    private final LocalDate today = LocalDate.now(ZoneOffset.UTC);
    private final OffsetDateTime session = today.atStartOfDay().atOffset(ZoneOffset.UTC);
    private Map<String, String> config;
    private PackagedBaton baton;

    @BeforeEach
    void start() throws IOException {
        config = services.start();
        // Test tokens are signed in this JVM with the run's key.
        System.setProperty("smallrye.jwt.sign.key.location", config.get("smallrye.jwt.sign.key.location"));
        baton = new PackagedBaton(config, Path.of("target", "console-baton.log"));
        baton.launch();
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterEach
    void stop() {
        browsers.forEach(WebDriver::quit);
        baton.close();
        services.stop();
    }

    private WebDriver browser() throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(executable("chromium"));
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1440,1000",
                "--user-data-dir=" + Files.createTempDirectory("baton-chromium").toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(executable("chromedriver"))).usingAnyFreePort().build();
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        browsers.add(driver);
        return driver;
    }

    private static String executable(String name) {
        for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(name + " is missing: run scripts/test-tools.sh");
    }

    private void api(String method, String path, String token, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baton.url() + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isLessThan(300);
    }

    private String explain(String rule) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baton.url() + "/api/v1/rules/" + rule
                        + "/explain?session=" + today)).header("Authorization", "Bearer " + TestTokens.reader()).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String upstream(String project) {
        return "{\"digdag\":{\"server\":\"main\",\"project\":\"" + project + "\",\"workflow\":\"etl\",\"task\":\"+etl+load\"}}";
    }

    private String rule(String name, String description, List<String> upstreamProjects, String downstream,
                        String deadline) {
        return "{\"name\":\"" + name + "\",\"team\":\"bi\",\"description\":\"" + description + "\",\"upstreams\":["
                + String.join(",", upstreamProjects.stream().map(ConsoleBrowserIT::upstream).toList()) + "],"
                + "\"correlation\":{\"by\":\"session_date\",\"zone\":\"UTC\"},"
                + (deadline == null ? "" : "\"deadline\":{\"time\":\"" + deadline + "\",\"zone\":\"UTC\"},")
                + "\"action\":{\"server\":\"main\",\"project\":\"" + bi + "\",\"workflow\":\"" + downstream + "\"}}";
    }

    private void runEtl(String project) {
        String attempt = emulator.startAttempt(project, "etl", session, Map.of());
        emulator.completeAll(attempt);
    }

    /**
     * The text of a Today row (or of an element in it), read in one step: a live update may replace the row between
     * two WebDriver calls.
     */
    private static String row(WebDriver driver, String rule, String selector) {
        return (String) ((JavascriptExecutor) driver).executeScript(
                "var e = document.querySelector(('#rule-' + arguments[0] + ' ' + arguments[1]).trim()); "
                        + "return e ? e.innerText.trim() : '';", rule, selector);
    }

    private void screenshot(WebDriver driver, String name) throws IOException {
        File shot = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aSignedInBrowserWatchesTheDailyReportFireLiveAndFollowsTheGraphToItsRule() throws Exception {
        for (String project : List.of(game, eikaiwa)) {
            emulator.project(project).workflow("etl", "UTC", sequence(task("extract"), task("load")));
        }
        emulator.project(bi).workflow("daily_report", "UTC", sequence(task("build"), task("publish")));
        emulator.project(bi).workflow("kpi", "UTC", sequence(task("build")));
        emulator.project(bi).workflow("finance_close", "UTC", sequence(task("build")));
        emulator.project(finance).workflow("etl", "UTC", sequence(task("extract"), task("load")));
        String writer = TestTokens.writer("bi");
        String daily = "daily-report-" + suffix;
        String kpi = "kpi-" + suffix;
        String close = "finance-close-" + suffix;
        api("PUT", "/api/v1/rules/" + daily, writer, rule(daily, "BI daily report after both loads",
                List.of(game, eikaiwa), "daily_report", "23:59"));
        api("PUT", "/api/v1/rules/" + kpi, writer, rule(kpi, "<script>alert(1)</script>", List.of(game), "kpi", null));
        // Due at 00:01 and waiting for finance, which never runs today: a missed deadline on the screenshots.
        api("PUT", "/api/v1/rules/" + close, writer, rule(close, "Finance close after eikaiwa and finance",
                List.of(eikaiwa, finance), "finance_close", "00:01"));

        runEtl(game);
        await().atMost(LIVE).until(() -> explain(daily).contains("\"satisfied\":[{"));

        WebDriver anonymous = browser();
        anonymous.get(baton.url() + "/");
        assertThat(anonymous.findElement(By.tagName("body")).getText()).contains("Sign in to Baton")
                .doesNotContain(daily).doesNotContain(kpi);
        anonymous.get(baton.url() + "/console/rules/" + kpi);
        assertThat(anonymous.findElement(By.tagName("body")).getText()).contains("Sign in to Baton")
                .doesNotContain(kpi).doesNotContain("alert(1)");

        WebDriver driver = browser();
        driver.get(baton.url() + "/console/sign-in");
        ((JavascriptExecutor) driver).executeScript("document.getElementById('token').value = arguments[0];", writer);
        driver.findElement(By.id("sign-in")).click();
        await().atMost(LIVE).until(() -> driver.findElements(By.id("rule-" + daily)).size() == 1);

        driver.get(baton.url() + "/?date=" + today);
        assertThat(row(driver, daily, ".badge")).isEqualTo("waiting 1 of 2");
        assertThat(row(driver, daily, "")).contains("succeeded at");
        await().atMost(LIVE).until(() -> !driver.findElements(By.cssSelector("#live.on")).isEmpty());
        ((JavascriptExecutor) driver).executeScript("window.batonNotReloaded = true;");

        runEtl(eikaiwa);
        await().atMost(LIVE).until(() -> row(driver, daily, ".badge").startsWith("fired at"));
        assertThat(((JavascriptExecutor) driver).executeScript("return window.batonNotReloaded === true;"))
                .as("the row changed without a reload").isEqualTo(true);
        assertThat(((JavascriptExecutor) driver).executeScript("return document.getElementById(arguments[0]).className;",
                "rule-" + daily)).asString().contains("changed");
        assertThat(row(driver, kpi, ".description")).isEqualTo("<script>alert(1)</script>");
        assertThatThrownBy(() -> driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        screenshot(driver, "today");

        driver.get(baton.url() + "/console/graph?date=" + today);
        await().atMost(LIVE).until(() -> "true".equals(driver.findElement(By.id("graph")).getAttribute("data-ready")));
        assertThat(((JavascriptExecutor) driver).executeScript("var cy = window.batonGraph; return [cy.nodes().length, "
                + "cy.edges().length, cy.elements().filter(function (e) { return !e.visible(); }).length];"))
                .as("nodes, edges, hidden elements").isEqualTo(List.of(6L, 5L, 0L));
        screenshot(driver, "graph");
        WebElement graph = driver.findElement(By.id("graph"));
        @SuppressWarnings("unchecked")
        List<Number> at = (List<Number>) ((JavascriptExecutor) driver).executeScript(
                "var p = window.batonGraph.getElementById(arguments[0]).renderedPosition(); return [p.x, p.y];",
                "main/" + bi + "/daily_report");
        new Actions(driver).moveToElement(graph, at.get(0).intValue() - graph.getSize().getWidth() / 2,
                at.get(1).intValue() - graph.getSize().getHeight() / 2).click().perform();
        await().atMost(LIVE).until(() -> driver.getCurrentUrl().contains("/console/rules/" + daily));

        String explanation = driver.findElement(By.id("explanation")).getText();
        assertThat(explanation).contains("Satisfied: " + game + "-etl")
                .contains("Fired: its upstreams were met").contains("started at");
        assertThat(driver.findElement(By.id("rule-state")).getText()).startsWith("fired at");
        assertThat(driver.findElements(By.id("fire-now"))).hasSize(1);
        screenshot(driver, "rule");
    }
}
