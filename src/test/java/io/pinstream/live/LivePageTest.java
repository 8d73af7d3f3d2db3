package io.pinstream.live;

import io.pinstream.testing.HeadlessChromium;
import io.pinstream.testing.TestApp;
import io.pinstream.testing.TestPhotos;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web page in real headless Chromium: the system's browser and driver only (Selenium Manager is
 * never asked to download anything). Skipped where they are not installed.
 */
@DisplayName("The live web page in headless Chromium")
class LivePageTest {

  @RegisterExtension
  static TestApp app = new TestApp();

  private static WebDriver browser;
  private static HeadlessChromium chromium;

  @BeforeAll
  static void startBrowser() throws Exception {
    chromium = HeadlessChromium.start();
    browser = chromium.driver();
  }

  @AfterAll
  static void stopBrowser() throws Exception {
    if (chromium != null) {
      chromium.close();
    }
  }

  @BeforeEach
  void freshTab() {
    // The session lives in a cookie now: drop it from a page of the origin that runs no app (the app
    // would first load the previous test's home and trending, and trending's shared snapshot with it).
    browser.get(app.api().base() + "/health");
    browser.manage().deleteAllCookies();
    ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
  }

  private static WebDriverWait waiting() {
    return new WebDriverWait(browser, Duration.ofSeconds(15));
  }

  private static WebElement pinCard(String pinId) {
    try {
      return waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("article.pin[data-id='" + pinId + "']")));
    } catch (RuntimeException e) {
      // What the page showed and logged makes a failure here readable.
      System.err.println("page: " + browser.getPageSource());
      System.err.println("console: " + browser.manage().logs().get("browser").getAll());
      throw e;
    }
  }

  private static void liveOn() {
    waiting().until(ExpectedConditions.textToBe(By.id("live-state"), "live"));
  }

  @Test
  @DisplayName("a visitor sees trending, and a pin created over the API appears live, its hostile title shown as text")
  void visitorSeesNewPinsLive() {
    var api = app.api();
    String author = api.signUpAndLogIn("page_author");
    String board = api.createBoard(author, "Shoes");
    String media = api.uploadPhoto(author);
    String old = api.createPin(author, board, media, "already there").getString("id");

    browser.get(api.base() + "/");
    pinCard(old);
    liveOn();
    String hostile = "<img src=x onerror=\"document.title='pwned'\"> boots";
    String fresh = api.createPin(author, board, media, hostile).getString("id");

    WebElement card = pinCard(fresh);
    assertThat(card.findElement(By.className("title")).getText()).isEqualTo(hostile);
    assertThat(card.findElements(By.cssSelector(".title img"))).isEmpty();
    assertThat(browser.getTitle()).isEqualTo("Pinstream");
    List<WebElement> cards = browser.findElements(By.cssSelector("article.pin"));
    assertThat(cards.get(0).getAttribute("data-id")).isEqualTo(fresh); // newest at the top
    assertThat(browser.findElement(By.id("new-pins")).getText()).isEqualTo("1 new pin");

    assertThat(api.delete("/api/v1/pins/" + fresh, author).status()).isEqualTo(204);
    waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("article.pin[data-id='" + fresh + "']"), 0));
    assertThat(api.get("/").header("Content-Security-Policy")).contains("default-src 'self'");
  }

  @Test
  @DisplayName("after signing up and logging in, home is live, and a photo uploaded with the form becomes a pin")
  void signUpHomeAndUpload() throws Exception {
    var api = app.api();
    String friend = api.signUpAndLogIn("page_friend");
    String friendBoard = api.createBoard(friend, "Kitchen");
    String media = api.uploadPhoto(friend);

    browser.get(api.base() + "/");
    WebElement login = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("login")));
    login.findElement(By.name("username")).sendKeys("page_viewer");
    login.findElement(By.name("password")).sendKeys("correct horse");
    login.findElement(By.cssSelector("button[value=signup]")).click();
    waiting().until(ExpectedConditions.textToBe(By.id("me-name"), "page_viewer"));
    waiting().until(ExpectedConditions.textToBe(By.id("feed-name"), "Home"));
    liveOn();

    String viewer = api.logIn("page_viewer", "correct horse");
    assertThat(api.put("/api/v1/users/page_friend/follow", viewer).status()).isEqualTo(204);
    // The follow reaches the open home subscription through Redis; retry with a new pin until it has.
    String followed = null;
    for (int i = 0; i < 10 && followed == null; i++) {
      String id = api.createPin(friend, friendBoard, media, "kettle " + i).getString("id");
      try {
        new WebDriverWait(browser, Duration.ofSeconds(3))
            .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("article.pin[data-id='" + id + "']")));
        followed = id;
      } catch (org.openqa.selenium.TimeoutException notYet) {
        // next pin
      }
    }
    assertThat(followed).isNotNull();

    Path photo = Files.createTempFile("pinstream-upload", ".jpg");
    Files.write(photo, TestPhotos.jpeg(800, 600));
    browser.findElement(By.id("show-upload")).click();
    WebElement form = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("upload")));
    form.findElement(By.name("file")).sendKeys(photo.toString());
    form.findElement(By.name("title")).sendKeys("my teapot");
    form.findElement(By.name("new_board")).sendKeys("Teapots");
    form.findElement(By.cssSelector("button[type=submit]")).click();
    waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.id("upload")));
    WebElement mine = waiting().until(ExpectedConditions.presenceOfElementLocated(
        By.xpath("//article[contains(@class,'pin')][.//div[@class='title' and text()='my teapot']]")));
    assertThat(mine.findElement(By.className("owner")).getText()).isEqualTo("page_viewer");
    assertThat(api.get("/api/v1/users/page_viewer/pins").items()).hasSize(1);
    Files.deleteIfExists(photo);
  }
}
