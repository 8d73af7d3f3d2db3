package io.pinstream.media;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Uploads, thumbnails and CDN image URLs")
class MediaApiTest {
  private static final long MAX_BYTES = 3_000_000;

  @RegisterExtension
  static TestApp app = new TestApp(json -> {
    json.getJsonObject("media").put("max_upload_bytes", MAX_BYTES).put("max_pixels", 40_000_000);
    // Two event loops, so requests for one image can meet from two loops (as in production).
    json.getJsonObject("http").put("instances", 2);
  });

  private static String token;

  @BeforeAll
  static void signIn() {
    token = app.api().signUpAndLogIn("uploader");
  }

  private static ApiClient api() {
    return app.api();
  }

  /** A 1600x1000 stored JPEG that displays as 1000x1600 (EXIF orientation 6), with a comment and GPS in EXIF. */
  private static byte[] rotatedPhotoWithSecrets() throws Exception {
    return TestImages.insertAfterSoi(TestImages.jpeg(TestImages.redOverBlue(1600, 1000), false),
        TestImages.exifApp1(6), TestImages.comment("SECRET-COMMENT"));
  }

  private static BufferedImage decode(byte[] bytes) throws Exception {
    return ImageIO.read(new ByteArrayInputStream(bytes));
  }

  @Test
  @DisplayName("a photo is stored, thumbnailed upright at 236/474/736 with no metadata, and served")
  void uploadAndServe() throws Exception {
    var reply = api().upload(token, rotatedPhotoWithSecrets());
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    JsonObject media = reply.json();
    assertThat(media.getString("status")).isEqualTo("ready");
    assertThat(media.getString("content_type")).isEqualTo("image/jpeg");
    assertThat(media.getInteger("width")).isEqualTo(1000);
    assertThat(media.getInteger("height")).isEqualTo(1600);
    assertThat(media.getString("dominant_color")).matches("#[0-9a-f]{6}");
    JsonObject images = media.getJsonObject("images");
    assertThat(images.fieldNames()).containsExactlyInAnyOrder("236x", "474x", "736x", "orig");

    for (String size : List.of("236x", "474x", "736x")) {
      JsonObject image = images.getJsonObject(size);
      int width = Integer.parseInt(size.replace("x", ""));
      assertThat(image.getInteger("width")).isEqualTo(width);
      assertThat(image.getInteger("height")).isEqualTo(Math.round(width * 1.6f));
      var file = api().get(image.getString("url"));
      assertThat(file.status()).isEqualTo(200);
      assertThat(file.header("Content-Type")).isEqualTo("image/jpeg");
      BufferedImage pixels = decode(file.bytes());
      assertThat(pixels.getWidth()).isEqualTo(width);
      assertThat(pixels.getHeight()).isEqualTo(image.getInteger("height"));
      // Orientation 6 turns the red top half to the right: upright means red on the right.
      int right = pixels.getRGB(pixels.getWidth() - 3, pixels.getHeight() / 2);
      int left = pixels.getRGB(2, pixels.getHeight() / 2);
      assertThat((right >> 16) & 0xFF).isGreaterThan(200);
      assertThat(left & 0xFF).isGreaterThan(200);
      assertThat(TestImages.jpegMarkers(file.bytes())).doesNotContain(0xE1, 0xFE, 0xE2);
    }
    var orig = api().get(images.getJsonObject("orig").getString("url"));
    assertThat(orig.status()).isEqualTo(200);
    String origText = new String(orig.bytes(), StandardCharsets.ISO_8859_1);
    assertThat(origText).doesNotContain("SECRET-COMMENT").doesNotContain("GPSSECRET").doesNotContain("SpyCam");
    assertThat(images.getJsonObject("orig").getInteger("width")).isEqualTo(1000);

    var again = api().get("/api/v1/media/" + media.getString("id"));
    assertThat(again.json()).isEqualTo(media);
  }

  @Test
  @DisplayName("a new upload's header is probed once: the worker renders with what the upload read")
  void oneUploadOneProbe() throws Exception {
    double before = probes();
    var reply = api().upload(token, TestImages.jpeg(TestImages.noise(700, 500, 41), false));
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    assertThat(probes() - before).isEqualTo(1.0);
  }

  private static double probes() {
    return app.app().components().metrics().get("pinstream.media.probes").counter().count();
  }

  @Test
  @DisplayName("HEIC, AVIF, TIFF, BMP, SVG, PDF and unknown bytes get 415 with a body naming the accepted formats")
  void otherFormatsAre415() throws Exception {
    byte[] ftypHeic = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0, 'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'};
    byte[] ftypAvif = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'a', 'v', 'i', 'f', 0, 0, 0, 0, 'm', 'i', 'f', '1', 'a', 'v', 'i', 'f'};
    byte[] tiff = {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    byte[] bmp = TestImages.encode(TestImages.noise(20, 10, 1), "bmp");
    Map<String, byte[]> cases = new java.util.LinkedHashMap<>();
    cases.put("HEIC/HEIF", ftypHeic);
    cases.put("AVIF", ftypAvif);
    cases.put("TIFF", tiff);
    cases.put("BMP", bmp);
    cases.put("markup (HTML/SVG/XML)", "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8));
    cases.put("PDF", "%PDF-1.7\n%\u00e2\u00e3\n1 0 obj".getBytes(StandardCharsets.ISO_8859_1));
    cases.put("not a JPEG, PNG, GIF or WebP image", "just some text, not an image".getBytes(StandardCharsets.UTF_8));
    for (var c : cases.entrySet()) {
      var reply = api().upload(token, "file", "photo.jpg", "image/jpeg", c.getValue());
      assertThat(reply.status()).as(c.getKey() + ": " + reply.body()).isEqualTo(415);
      assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
      JsonObject problem = reply.json();
      assertThat(problem.getString("code")).isEqualTo("unsupported_media_type");
      assertThat(problem.getString("detail")).as(c.getKey()).contains(c.getKey()).contains("JPEG, PNG, GIF").contains("WebP");
      assertThat(problem.getJsonArray("accepted_formats").getList())
          .containsExactly("image/jpeg", "image/png", "image/gif", "image/webp");
    }
    assertThat(filesUnder("tmp")).isEmpty();
  }

  @Test
  @DisplayName("a GIF is stored and read back whatever the default locale (Turkish lower-cases I to a dotless i)")
  void formatNamesIgnoreTheDefaultLocale() throws Exception {
    java.util.Locale saved = java.util.Locale.getDefault();
    java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr-TR"));
    try {
      var reply = api().upload(token, TestImages.tinyFramesGif(300, 200, 3, 0, 0));
      assertThat(reply.status()).as(reply.body()).isEqualTo(201);
      assertThat(reply.json().getString("content_type")).isEqualTo("image/gif");
      assertThat(api().get("/api/v1/media/" + reply.json().getString("id")).status()).isEqualTo(200);
    } finally {
      java.util.Locale.setDefault(saved);
    }
  }

  @Test
  @DisplayName("the same bytes uploaded twice are stored once")
  void dedupe() throws Exception {
    byte[] photo = TestImages.jpeg(TestImages.noise(300, 200, 7), false);
    var first = api().upload(token, photo);
    var second = api().upload(app.api().signUpAndLogIn("second_uploader"), photo);
    assertThat(first.status()).isEqualTo(201);
    assertThat(second.status()).isEqualTo(201);
    assertThat(second.json().getString("id")).isEqualTo(first.json().getString("id"));
    String sha = first.json().getJsonObject("images").getJsonObject("236x").getString("url").split("/")[2];
    long rows = app.app().components().pg().preparedQuery("SELECT count(*) FROM media WHERE sha256 = $1")
        .execute(io.vertx.sqlclient.Tuple.of(sha)).await().iterator().next().getLong(0);
    assertThat(rows).isEqualTo(1);
    // Never upscaled: a 300 px wide photo gives 300 px for the 474 and 736 sizes.
    assertThat(first.json().getJsonObject("images").getJsonObject("736x").getInteger("width")).isEqualTo(300);
    assertThat(first.json().getJsonObject("images").getJsonObject("236x").getInteger("width")).isEqualTo(236);
  }

  @Test
  @DisplayName("a duplicate upload runs no job and gives its place in the thumbnail queue back")
  void duplicatesGiveTheirQueuePlaceBack() throws Exception {
    byte[] photo = TestImages.jpeg(TestImages.noise(120, 80, 43), false);
    int places = app.config().media().workers() + app.config().media().queueSize();
    for (int i = 0; i <= places; i++) {
      var reply = api().upload(token, photo);
      assertThat(reply.status()).as("upload " + i + ": " + reply.body()).isEqualTo(201);
    }
    assertThat(queueDepth()).isZero();
  }

  private static double queueDepth() {
    return app.app().components().metrics().get("pinstream.thumbnail.queue.depth").gauge().value();
  }

  @Test
  @DisplayName("bytes whose media failed before fail again with the stored failure, and leave nothing behind")
  void reuploadOfFailedMedia() throws Exception {
    byte[] photo = TestImages.jpeg(TestImages.noise(200, 100, 47), false);
    String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(photo));
    // What a job that failed after its upload was answered 202 (and whose media a pin uses) leaves.
    app.app().components().pg().preparedQuery("""
            INSERT INTO media (sha256, format, bytes, width, height, status, failure_code)
            VALUES ($1, 'jpeg', $2, 200, 100, 'failed', 'image_too_large')""")
        .execute(io.vertx.sqlclient.Tuple.of(sha, photo.length)).await();
    var reply = api().upload(token, photo);
    assertThat(reply.status()).as(reply.body()).isEqualTo(422);
    assertThat(reply.json().getString("code")).isEqualTo("image_too_large");
    assertThat(filesUnder("tmp")).isEmpty();
    assertThat(Files.exists(app.app().components().mediaStorage().original(sha))).isFalse();
    assertThat(queueDepth()).isZero();
  }

  @Test
  @DisplayName("hostile and broken files get their exact status and code, leave nothing behind, and the server stays up")
  void hostileFiles() throws Exception {
    byte[] small = TestImages.jpeg(TestImages.noise(64, 40, 3), false);
    byte[] photo = TestImages.jpeg(TestImages.noise(800, 600, 5), false);
    byte[] svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>"
        .getBytes(StandardCharsets.UTF_8);
    Map<String, Object[]> cases = new java.util.LinkedHashMap<>();
    cases.put("empty", new Object[]{new byte[0], 400});
    cases.put("html named .jpg", new Object[]{"<html><script>alert(1)</script></html>".getBytes(StandardCharsets.UTF_8), 415, "unsupported_media_type"});
    cases.put("svg", new Object[]{svg, 415, "unsupported_media_type"});
    cases.put("png header claiming 100000x100000", new Object[]{TestImages.pngHeader(100_000, 100_000), 422, "image_too_large"});
    cases.put("jpeg SOF patched to 65000x65000", new Object[]{TestImages.patchSof(small, 65000, 65000), 422, "image_too_large"});
    cases.put("png magic then garbage", new Object[]{pngGarbage(), 422, "image_corrupt"});
    cases.put("gif: 1x1 screen, one frame declaring 46000x46000", new Object[]{TestImages.gifWithFrame(1, 1, 0, 0, 46_000, 46_000), 422, "image_too_large"});
    cases.put("webp: 64x32 canvas, VP8L bitstream declaring 16383x16383", new Object[]{ImageProbeTest.riff("VP8X",
        new byte[]{0, 0, 0, 0, 63, 0, 0, 31, 0, 0}, "VP8L", ImageProbeTest.vp8l(16_383, 16_383)), 422, "image_too_large"});
    cases.put("truncated jpeg", new Object[]{java.util.Arrays.copyOf(photo, photo.length * 4 / 10), 422, "image_corrupt"});

    long mediaBefore = countMedia();
    for (var entry : cases.entrySet()) {
      Object[] expected = entry.getValue();
      var reply = api().upload(token, "file", "photo.jpg", "image/jpeg", (byte[]) expected[0]);
      assertThat(reply.status()).as(entry.getKey() + ": " + reply.body()).isEqualTo((int) expected[1]);
      assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
      if (expected.length > 2) {
        assertThat(reply.json().getString("code")).as(entry.getKey()).isEqualTo(expected[2]);
      }
      assertThat(reply.body()).doesNotContain("<script>");
    }
    assertThat(countMedia()).isEqualTo(mediaBefore);
    assertThat(filesUnder("tmp")).isEmpty();
    assertThat(api().get("/health").status()).isEqualTo(200);
  }

  @Test
  @DisplayName("an upload over the byte limit is 413 file_too_large, before and while reading")
  void tooLarge() throws Exception {
    byte[] big = new byte[(int) MAX_BYTES + 100_000];
    System.arraycopy(TestImages.jpeg(TestImages.noise(64, 40, 1), false), 0, big, 0, 100);
    var declared = api().upload(token, big);
    assertThat(declared.status()).isEqualTo(413);
    assertThat(declared.json().getString("code")).isEqualTo("file_too_large");

    // Chunked, so no Content-Length warns us: the limit is enforced while streaming.
    var streamed = api().send(api().request("/api/v1/media", token)
        .header("Content-Type", "multipart/form-data; boundary=xyz")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.SequenceInputStream(
            new ByteArrayInputStream("--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n".getBytes()),
            new ByteArrayInputStream(big)))));
    assertThat(streamed.status()).isEqualTo(413);
    assertThat(filesUnder("tmp")).isEmpty();
  }

  @Test
  @DisplayName("non-multipart bodies are 415 and a form without a file part is 400")
  void wrongForms() {
    var json = api().post("/api/v1/media", new JsonObject().put("file", "x"), token);
    assertThat(json.status()).isEqualTo(415);
    var noFile = api().upload(token, "other", "a.jpg", "image/jpeg", new byte[]{1, 2, 3});
    assertThat(noFile.status()).isEqualTo(400);
    assertThat(noFile.json().getString("code")).isEqualTo("file_missing");
    assertThat(api().upload(null, new byte[]{1}).status()).isEqualTo(401);
    assertThat(api().get("/api/v1/media/123456").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("a full thumbnail queue answers 503 with Retry-After at once")
  void queueFull() throws Exception {
    ThumbnailQueue queue = app.app().components().thumbnails();
    List<Boolean> taken = new ArrayList<>();
    while (queue.tryReserve()) {
      taken.add(true);
    }
    try {
      var reply = api().upload(token, TestImages.jpeg(TestImages.noise(100, 100, 11), false));
      assertThat(reply.status()).isEqualTo(503);
      assertThat(reply.header("Retry-After")).isNotNull();
      assertThat(reply.json().getString("code")).isEqualTo("thumbnail_queue_full");
    } finally {
      taken.forEach(t -> queue.release());
    }
    assertThat(api().upload(token, TestImages.jpeg(TestImages.noise(100, 100, 11), false)).status()).isEqualTo(201);
  }

  @Test
  @DisplayName("image URLs are immutable, with strong ETag, 304, byte ranges, HEAD and 404s")
  void cdnHeaders() throws Exception {
    JsonObject media = api().upload(token, TestImages.jpeg(TestImages.noise(500, 400, 21), false)).json();
    String url = media.getJsonObject("images").getJsonObject("474x").getString("url");
    var full = api().get(url);
    assertThat(full.header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
    assertThat(full.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(full.header("Accept-Ranges")).isEqualTo("bytes");
    String etag = full.header("ETag");
    assertThat(etag).startsWith("\"").endsWith("\"");

    var notModified = api().send("GET", url, Map.of("If-None-Match", etag), null);
    assertThat(notModified.status()).isEqualTo(304);
    assertThat(notModified.bytes()).isEmpty();

    var range = api().send("GET", url, Map.of("Range", "bytes=10-109"), null);
    assertThat(range.status()).isEqualTo(206);
    assertThat(range.header("Content-Range")).isEqualTo("bytes 10-109/" + full.bytes().length);
    assertThat(range.bytes()).isEqualTo(java.util.Arrays.copyOfRange(full.bytes(), 10, 110));
    var suffix = api().send("GET", url, Map.of("Range", "bytes=-20"), null);
    assertThat(suffix.bytes()).isEqualTo(java.util.Arrays.copyOfRange(full.bytes(), full.bytes().length - 20, full.bytes().length));
    var impossible = api().send("GET", url, Map.of("Range", "bytes=99999999-"), null);
    assertThat(impossible.status()).isEqualTo(416);
    assertThat(impossible.header("Content-Range")).isEqualTo("bytes */" + full.bytes().length);
    // Positions past what a long holds used to throw inside the handler: no answer until the idle timeout.
    var huge = api().send("GET", url, Map.of("Range", "bytes=99999999999999999999-"), null);
    assertThat(huge.status()).isEqualTo(416);
    var hugeEnd = api().send("GET", url, Map.of("Range", "bytes=0-99999999999999999999"), null);
    assertThat(hugeEnd.status()).isEqualTo(206);
    assertThat(hugeEnd.bytes()).isEqualTo(full.bytes());
    var hugeSuffix = api().send("GET", url, Map.of("Range", "bytes=-99999999999999999999"), null);
    assertThat(hugeSuffix.bytes()).isEqualTo(full.bytes());

    var head = api().send("HEAD", url, Map.of(), null);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(full.bytes().length));
    assertThat(head.header("ETag")).isEqualTo(etag);

    String key = url.split("/")[2];
    assertThat(api().get("/i/" + "0".repeat(64) + "/236x.jpg").status()).isEqualTo(404);
    assertThat(api().get("/i/" + key + "/999x.jpg").status()).isEqualTo(404);
    assertThat(api().get("/i/" + key + "/orig.png").status()).isEqualTo(404);
    assertThat(api().get("/i/..%2F..%2Foriginals/236x.jpg").status()).isEqualTo(404);
    assertThat(api().get("/i/" + key + "/..%2F..%2F..%2Foriginals").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("a missing variant is made again on demand, exactly once, however many ask at the same time")
  void variantOnDemand() throws Exception {
    JsonObject media = api().upload(token, TestImages.jpeg(TestImages.noise(900, 700, 31), false)).json();
    String url = media.getJsonObject("images").getJsonObject("236x").getString("url");
    String key = url.split("/")[2];
    Path file = app.app().components().mediaStorage().image(key, "236x.jpg");
    byte[] before = Files.readAllBytes(file);
    Files.delete(file);
    double rendersBefore = renders();

    int askers = 8;
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(askers);
    try {
      java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
      List<CompletableFuture<ApiClient.Reply>> calls = new ArrayList<>();
      for (int i = 0; i < askers; i++) {
        calls.add(CompletableFuture.supplyAsync(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return api().get(url);
        }, threads));
      }
      start.countDown();
      for (var call : calls) {
        ApiClient.Reply reply = call.join();
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.bytes()).isEqualTo(before);
      }
    } finally {
      threads.shutdown();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(renders() - rendersBefore).as("renders").isEqualTo(1.0);
  }

  @Test
  @DisplayName("a re-render that reaches a worker after the missing file came back renders nothing")
  void reRenderOfCompleteMediaIsSkipped() throws Exception {
    JsonObject uploaded = api().upload(token, TestImages.jpeg(TestImages.noise(600, 400, 37), false)).json();
    Media media = Media.from(app.app().components().pg()
        .preparedQuery("SELECT " + Media.COLUMNS + " FROM media m WHERE m.id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(Long.parseLong(uploaded.getString("id")))).await()
        .iterator().next());
    double rendersBefore = renders();
    Media answer = app.app().components().events().<Media>request(new ThumbnailJob(media, null, true), 10_000)
        .await(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(answer).isEqualTo(media);
    assertThat(renders()).isEqualTo(rendersBefore);
  }

  private static double renders() {
    return app.app().components().metrics().get("pinstream.thumbnail.duration").timer().count();
  }

  private static long countMedia() {
    return app.app().components().pg().query("SELECT count(*) FROM media").execute().await().iterator().next().getLong(0);
  }

  private static List<Path> filesUnder(String folder) throws Exception {
    try (Stream<Path> files = Files.walk(app.config().media().dir().resolve(folder))) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  private static byte[] pngGarbage() {
    byte[] bytes = new byte[4000];
    new java.util.Random(1).nextBytes(bytes);
    byte[] magic = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    System.arraycopy(magic, 0, bytes, 0, magic.length);
    return bytes;
  }
}
