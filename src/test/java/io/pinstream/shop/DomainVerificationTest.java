package io.pinstream.shop;

import com.sun.net.httpserver.HttpServer;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Merchants prove their domain before /go redirects there. The "domains" here are served by a local
 * HTTP server: the verification URL is pointed at it ({@code shop.verification_url}), as a staging
 * set-up would.
 */
@DisplayName("Merchant domains: unique, verified, and only then redirected to")
class DomainVerificationTest {
  /** path -> body served; anything else 404. */
  private static final Map<String, String> files = new ConcurrentHashMap<>();
  private static final HttpServer domains = startDomains();

  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("shop").put("domain_verification", "on")
      .put("verification_url", "http://127.0.0.1:" + domains.getAddress().getPort()
          + "/{domain}/.well-known/pinstream-verification"));
  static Shop shop = new Shop(app);

  private static HttpServer startDomains() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", exchange -> {
        String body = files.get(exchange.getRequestURI().getPath());
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
      });
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stopDomains() {
    domains.stop(0);
  }

  @Test
  @DisplayName("an unverified merchant's product gets the leaving page; once its file shows the token, /go redirects with a pclid")
  void verifyThenRedirect() {
    String owner = shop.api().signUpAndLogIn("domain_owner");
    JsonObject merchant = shop.merchant(owner, "lamps.example", 800);
    assertThat(merchant.getBoolean("domain_verified")).isFalse();
    JsonObject verification = merchant.getJsonObject("verification");
    String token = verification.getString("token");
    assertThat(verification.getString("dns_txt_record")).isEqualTo("pinstream-verification=" + token);
    assertThat(verification.getString("file_url")).endsWith("/lamps.example/.well-known/pinstream-verification");

    JsonObject before = shop.productPin(owner, merchant, "https://lamps.example/brass", 4900);
    var page = shop.go(before.getString("id"), Shop.BROWSER, null);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("Location")).isNull();
    assertThat(page.body()).contains("https://lamps.example/brass");

    String path = "/api/v1/merchants/" + merchant.getString("id") + "/verification";
    var missing = shop.api().post(path, new JsonObject(), owner);
    assertThat(missing.status()).isEqualTo(422);
    assertThat(missing.json().getString("code")).isEqualTo("domain_not_verified");
    assertThat(missing.json().getString("detail")).contains("404");

    files.put("/lamps.example/.well-known/pinstream-verification", "someone else's token\n");
    assertThat(shop.api().post(path, new JsonObject(), owner).status()).isEqualTo(422);

    String stranger = shop.api().signUpAndLogIn("domain_stranger");
    assertThat(shop.api().post(path, new JsonObject(), stranger).status()).isEqualTo(403);

    files.put("/lamps.example/.well-known/pinstream-verification", token + "\n");
    var verified = shop.api().post(path, new JsonObject(), owner);
    assertThat(verified.status()).as(verified.body()).isEqualTo(200);
    assertThat(verified.json().getBoolean("domain_verified")).isTrue();
    assertThat(shop.api().get("/api/v1/merchants/" + merchant.getString("id")).json().getBoolean("domain_verified")).isTrue();

    JsonObject after = shop.productPin(owner, merchant, "https://lamps.example/copper", 5900);
    var redirect = shop.go(after.getString("id"), Shop.BROWSER, null);
    assertThat(redirect.status()).isEqualTo(302);
    assertThat(redirect.header("Location")).matches("https://lamps\\.example/copper\\?pclid=[A-Za-z0-9_-]{22}");

    shop.clicksWritten();
    // The leaving page's click is nobody's to claim; the redirect's is the merchant's.
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1 AND merchant_id IS NULL",
        Long.parseLong(before.getString("id")))).isEqualTo(1);
    assertThat(shop.count("SELECT count(*) FROM clicks WHERE pin_id = $1 AND merchant_id IS NOT NULL",
        Long.parseLong(after.getString("id")))).isEqualTo(1);
  }

  @Test
  @DisplayName("a domain belongs to one merchant: a second one is 409 domain_taken")
  void uniqueDomains() {
    String first = shop.api().signUpAndLogIn("first_shop");
    String second = shop.api().signUpAndLogIn("copycat_shop");
    shop.merchant(first, "rugs-unique.example", 700);
    var taken = shop.api().post("/api/v1/merchants", new JsonObject().put("name", "Copycat")
        .put("domain", "Rugs-Unique.example").put("commission_rate_bps", 900), second);
    assertThat(taken.status()).isEqualTo(409);
    assertThat(taken.json().getString("code")).isEqualTo("domain_taken");
  }
}
