package io.pinstream.media;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Blocking, so never on an event loop: reads an upload's header ({@link #probe}, counted in
 * {@code pinstream.media.probes}) and turns a stored original into its served images ({@link #process},
 * on thumbnail workers only). The three widths come from one decode (see {@link ThumbnailRenderer});
 * "orig" is the original with its metadata stripped losslessly (see {@link MetadataStripper}).
 */
public final class MediaProcessor {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MediaProcessor.class);
  private final MediaStorage storage;
  private final long maxPixels;
  private final long maxDecodeBytes;
  private final Counter probes;
  private final ThumbnailRenderer renderer = new ThumbnailRenderer();

  /**
   * @param workers the thumbnail workers that may decode at once: each gets an equal share of half the heap
   *                ({@link #decodeLimit})
   */
  public MediaProcessor(MediaStorage storage, long maxPixels, int workers, MeterRegistry metrics) {
    this(storage, maxPixels, decodeLimit(Runtime.getRuntime().maxMemory(), workers), metrics);
  }

  /** With an explicit per-render memory limit (tests). */
  static MediaProcessor withDecodeLimit(MediaStorage storage, long maxPixels, long maxDecodeBytes,
                                        MeterRegistry metrics) {
    return new MediaProcessor(storage, maxPixels, maxDecodeBytes, metrics);
  }

  private MediaProcessor(MediaStorage storage, long maxPixels, long maxDecodeBytes, MeterRegistry metrics) {
    this.storage = storage;
    this.maxPixels = maxPixels;
    this.maxDecodeBytes = maxDecodeBytes;
    this.probes = Counter.builder("pinstream.media.probes").description("header probes").register(metrics);
    log.info("image decoders: JPEG {}; WebP {}", NativeJpeg.describe(), NativeWebp.available()
        ? "libwebp (webp-imageio, scaled decoding; WebP served to clients that accept it)"
        : "pure Java (TwelveMonkeys, at most " + ThumbnailRenderer.MAX_WEBP_PIXELS + " pixels; JPEG served to all)");
  }

  /**
   * What one render may need at most: half of the heap, shared equally by the workers that decode at the same
   * time ({@code maxHeap / 2 / workers}); the other half stays for requests, caches and the collector.
   */
  static long decodeLimit(long maxHeap, int workers) {
    return maxHeap / 2 / Math.max(1, workers);
  }

  /**
   * Blocking: the header of {@code file}, checked against the pixel limit (see {@link ImageProbe}) and against
   * the memory one render may use ({@link ThumbnailRenderer#decodeBytes}): both 422 image_too_large.
   */
  public ImageInfo probe(Path file) throws IOException {
    MediaStorage.requireBlockingAllowed();
    probes.increment();
    ImageInfo info = ImageProbe.probe(file, maxPixels);
    long needed = ThumbnailRenderer.decodeBytes(info, java.nio.file.Files.size(file));
    if (needed > maxDecodeBytes) {
      throw ImageRejectedException.tooLarge("decoding this " + info.storedWidth() + "x" + info.storedHeight() + " "
          + info.format() + " would need about " + (needed >> 20) + " MB; a thumbnail worker has "
          + (maxDecodeBytes >> 20) + " MB");
    }
    return info;
  }

  /** What a render produced: the images column and the placeholder colour. */
  public record Result(JsonObject images, String dominantColor) {
  }

  /**
   * Renders every size of {@code media} and writes them.
   *
   * @param info the header as the upload's probe read it; null when unknown (the original is probed)
   */
  public Result process(Media media, ImageInfo probed) throws IOException {
    MediaStorage.requireBlockingAllowed();
    Path original = storage.original(media.sha256());
    ImageInfo info = probed != null ? probed : probe(original);
    ThumbnailRenderer.Rendition rendition = renderer.render(original, info);
    JsonObject images = new JsonObject();
    for (ThumbnailRenderer.Thumbnail thumbnail : rendition.thumbnails()) {
      String file = thumbnail.targetWidth() + "x.jpg";
      storage.writeImage(media.sha256(), file, out -> out.write(thumbnail.jpeg()));
      images.put(thumbnail.targetWidth() + "x", image(file, thumbnail.width(), thumbnail.height()));
    }
    String origFile = "orig." + info.format().extension();
    storage.writeImage(media.sha256(), origFile, out -> MetadataStripper.strip(original, info, out));
    images.put("orig", image(origFile, info.displayWidth(), info.displayHeight()));
    return new Result(images, rendition.dominantColor());
  }

  private static JsonObject image(String file, int width, int height) {
    return new JsonObject().put("file", file).put("width", width).put("height", height);
  }
}
