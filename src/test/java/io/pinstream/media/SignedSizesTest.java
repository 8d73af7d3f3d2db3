package io.pinstream.media;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

@DisplayName("Signed on-the-fly image sizes, WebP negotiation and the variant cache")
class SignedSizesTest {
  private static final String SECRET = "signed-sizes-test-secret";
  /** Small enough that a handful of renders go over it. */
  private static final long QUOTA = 60_000;

  @RegisterExtension
  static TestApp app = new TestApp(json -> {
    json.getJsonObject("media").put("url_secret", SECRET).put("variant_cache_bytes", QUOTA);
    json.getJsonObject("http").put("instances", 2);
  });

  private static final MediaUrls URLS = new MediaUrls("", SECRET);
  private static String token;
  private static JsonObject photo;
  private static String sha;

  @BeforeAll
  static void upload() throws Exception {
    token = app.api().signUpAndLogIn("sizes");
    var reply = app.api().upload(token, TestImages.jpeg(NativeDecodersTest.redToBlue(1600, 1000), false));
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    photo = reply.json();
    sha = photo.getJsonObject("images").getJsonObject("236x").getString("url").split("/")[2];
  }

  private static ApiClient api() {
    return app.api();
  }

  private static ApiClient.Reply get(String url, String... headers) {
    var request = api().request(url, null);
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return api().send(request.GET());
  }

  private static BufferedImage decode(byte[] bytes) throws Exception {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
    assertThat(img).as("decodable image").isNotNull();
    return img;
  }

  private static double renders() {
    return app.app().components().metrics().get("pinstream.media.variant.renders").counter().count();
  }

  private static Path variantFile(String name) {
    return app.config().media().dir().resolve("variants").resolve(sha.substring(0, 2)).resolve(sha).resolve(name);
  }

  @Test
  @DisplayName("the API hands out signed sizes; they render at their size with the fixed widths' CDN headers")
  void signedSizeFromTheApi() throws Exception {
    JsonObject sizes = photo.getJsonObject("image_sizes");
    assertThat(sizes.fieldNames()).contains("square_236", "square_474", "preview_1200");
    assertThat(photo.getJsonObject("images").fieldNames()).containsExactlyInAnyOrder("236x", "474x", "736x", "orig");
    JsonObject square = sizes.getJsonObject("square_236");
    assertThat(square.getString("url")).matches("/i/[0-9a-f]{64}/236x236/cover\\.jpg\\?s=[A-Za-z0-9_-]{22}");
    var reply = get(square.getString("url"));
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(reply.header("Content-Type")).isEqualTo("image/jpeg");
    assertThat(reply.header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
    assertThat(reply.header("Vary")).isEqualTo("Accept");
    assertThat(reply.header("X-Content-Type-Options")).isEqualTo("nosniff");
    String etag = reply.header("ETag");
    assertThat(etag).startsWith("\"").endsWith("\"");
    BufferedImage img = decode(reply.bytes());
    assertThat(img.getWidth() + "x" + img.getHeight()).isEqualTo("236x236");
    assertThat(get(square.getString("url"), "If-None-Match", etag).status()).isEqualTo(304);
    var range = get(square.getString("url"), "Range", "bytes=0-9");
    assertThat(range.status()).isEqualTo(206);
    assertThat(range.bytes()).hasSize(10);

    // inside keeps the aspect ratio and never upscales; contain letterboxes to the exact box
    var preview = get(sizes.getJsonObject("preview_1200").getString("url"));
    assertThat(decode(preview.bytes()).getWidth()).isEqualTo(1200);
    assertThat(decode(preview.bytes()).getHeight()).isEqualTo(750);
    var contain = get(URLS.sized(sha, 400, 400, MediaUrls.Fit.CONTAIN, "jpg"));
    BufferedImage boxed = decode(contain.bytes());
    assertThat(boxed.getWidth() + "x" + boxed.getHeight()).isEqualTo("400x400");
    int corner = boxed.getRGB(200, 5);
    assertThat(corner & 0xFF).as("white band above the letterboxed picture").isGreaterThan(240);
  }

  @Test
  @DisplayName("GET /api/v1/media/{id}?sizes= signs the sizes asked for, scaled down to the original; malformed is 400")
  void requestedSizes() throws Exception {
    String id = photo.getString("id");
    var reply = api().get("/api/v1/media/" + id + "?sizes=300x200/cover,5000x5000/contain,900x900/inside");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    JsonObject sizes = reply.json().getJsonObject("image_sizes");
    assertThat(sizes.fieldNames()).contains("square_236", "300x200/cover", "5000x5000/contain", "900x900/inside");
    JsonObject contain = sizes.getJsonObject("5000x5000/contain");
    assertThat(contain.getInteger("width") + "x" + contain.getInteger("height")).isEqualTo("1000x1000");
    JsonObject inside = sizes.getJsonObject("900x900/inside");
    assertThat(inside.getInteger("width") + "x" + inside.getInteger("height")).isEqualTo("900x563");
    BufferedImage cover = decode(get(sizes.getJsonObject("300x200/cover").getString("url")).bytes());
    assertThat(cover.getWidth() + "x" + cover.getHeight()).isEqualTo("300x200");
    BufferedImage in = decode(get(inside.getString("url")).bytes());
    assertThat(in.getWidth() + "x" + in.getHeight()).isEqualTo("900x563");
    for (String bad : new String[] {"300x200", "0x10/cover", "300x200/fill", "1x1/cover,".repeat(11)}) {
      assertThat(api().get("/api/v1/media/" + id + "?sizes=" + bad).status()).as(bad).isEqualTo(400);
    }
  }

  @Test
  @DisplayName("unsigned, badly signed and re-sized URLs are 403; a signed cover larger than the original is 400")
  void signatureRefusal() {
    String good = URLS.sized(sha, 300, 200, MediaUrls.Fit.COVER, "jpg");
    String path = good.substring(0, good.indexOf('?'));
    String signature = good.substring(good.indexOf("?s=") + 3);
    assertThat(get(path).status()).isEqualTo(403);
    assertThat(get(path + "?s=").status()).isEqualTo(403);
    assertThat(get(path + "?s=" + "A".repeat(22)).status()).isEqualTo(403);
    var resized = get(path.replace("300x200", "301x200") + "?s=" + signature);
    assertThat(resized.status()).isEqualTo(403);
    assertThat(resized.json().getString("code")).isEqualTo("bad_signature");
    assertThat(get(path.replace("cover", "inside") + "?s=" + signature).status()).isEqualTo(403);
    var otherSecret = new MediaUrls("", "someone-elses-secret").sized(sha, 300, 200, MediaUrls.Fit.COVER, "jpg");
    assertThat(get(otherSecret).status()).isEqualTo(403);
    assertThat(get(good).status()).isEqualTo(200);
    var tooLarge = get(URLS.sized(sha, 2000, 100, MediaUrls.Fit.COVER, "jpg"));
    assertThat(tooLarge.status()).as(tooLarge.body()).isEqualTo(400);
    assertThat(get(URLS.sized("0".repeat(64), 100, 100, MediaUrls.Fit.COVER, "jpg")).status()).isEqualTo(404);
  }

  @Test
  @DisplayName("Accept: image/webp gets WebP for fixed widths and signed sizes, with Vary: Accept and its own ETag")
  void webpNegotiation() throws Exception {
    assumeThat(WebpEncoder.available()).as("libwebp loaded").isTrue();
    String fixed = photo.getJsonObject("images").getJsonObject("474x").getString("url");
    var jpeg = get(fixed, "Accept", "image/avif,image/apng,image/*,*/*;q=0.8");
    var webp = get(fixed, "Accept", "image/avif,image/webp,image/apng,image/*,*/*;q=0.8");
    assertThat(jpeg.header("Content-Type")).isEqualTo("image/jpeg");
    assertThat(webp.header("Content-Type")).isEqualTo("image/webp");
    assertThat(jpeg.header("Vary")).isEqualTo("Accept");
    assertThat(webp.header("Vary")).isEqualTo("Accept");
    assertThat(webp.header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
    assertThat(webp.header("ETag")).isNotEqualTo(jpeg.header("ETag")).doesNotStartWith("W/");
    assertThat(new String(webp.bytes(), 0, 4)).isEqualTo("RIFF");
    assertThat(decode(webp.bytes()).getWidth()).isEqualTo(474);
    assertThat(get(fixed, "Accept", "image/webp", "If-None-Match", webp.header("ETag")).status()).isEqualTo(304);
    assertThat(get(fixed, "Accept", "image/webp;q=0").header("Content-Type")).isEqualTo("image/jpeg");

    String sized = URLS.sized(sha, 320, 240, MediaUrls.Fit.COVER, "jpg");
    var sizedWebp = get(sized, "Accept", "image/webp,*/*");
    assertThat(sizedWebp.header("Content-Type")).isEqualTo("image/webp");
    assertThat(decode(sizedWebp.bytes()).getWidth()).isEqualTo(320);
    assertThat(get(sized).header("Content-Type")).isEqualTo("image/jpeg");
    var explicit = get(URLS.sized(sha, 320, 240, MediaUrls.Fit.COVER, "webp"));
    assertThat(explicit.header("Content-Type")).isEqualTo("image/webp");
  }

  @Test
  @DisplayName("concurrent requests for a new size render it once (from both event loops)")
  void singleFlight() throws Exception {
    String url = URLS.sized(sha, 500, 333, MediaUrls.Fit.INSIDE, "jpg");
    double before = renders();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<ApiClient.Reply>> replies = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        replies.add(CompletableFuture.supplyAsync(() -> get(url), pool));
      }
      byte[] first = null;
      for (var r : replies) {
        var reply = r.join();
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        if (first == null) {
          first = reply.bytes();
        }
        assertThat(reply.bytes()).isEqualTo(first);
      }
    } finally {
      pool.shutdown();
    }
    assertThat(renders() - before).isEqualTo(1.0);
  }

  @Test
  @DisplayName("rendered sizes stay under the disk quota: the least recently served is evicted, and rendered again")
  void quotaEviction() throws Exception {
    List<String> names = new ArrayList<>();
    List<String> urls = new ArrayList<>();
    long sinceFirst = 0;
    for (int w = 300; w < 1600 && sinceFirst <= QUOTA; w += 11) {
      int h = w * 5 / 8;
      String url = URLS.sized(sha, w, h, MediaUrls.Fit.COVER, "jpg");
      var reply = get(url);
      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      if (!names.isEmpty()) {
        sinceFirst += reply.bytes().length;
      }
      names.add(w + "x" + h + "-cover.jpg");
      urls.add(url);
    }
    assertThat(sinceFirst).as("rendered after the first one, more than the quota").isGreaterThan(QUOTA);
    long onDisk = 0;
    try (var files = Files.walk(app.config().media().dir().resolve("variants"))) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        onDisk += Files.size(p);
      }
    }
    assertThat(onDisk).as("bytes under variants/").isLessThanOrEqualTo(QUOTA);
    assertThat(variantFile(names.get(names.size() - 1))).as("most recent").exists();
    assertThat(variantFile(names.get(0))).as("least recently served").doesNotExist();
    double before = renders();
    assertThat(get(urls.get(0)).status()).isEqualTo(200);
    assertThat(renders() - before).isEqualTo(1.0);
    assertThat(variantFile(names.get(0))).exists();
  }
}
