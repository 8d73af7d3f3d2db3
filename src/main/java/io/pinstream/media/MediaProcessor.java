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
  private final MediaStorage storage;
  private final long maxPixels;
  private final Counter probes;
  private final ThumbnailRenderer renderer = new ThumbnailRenderer();

  public MediaProcessor(MediaStorage storage, long maxPixels, MeterRegistry metrics) {
    this.storage = storage;
    this.maxPixels = maxPixels;
    this.probes = Counter.builder("pinstream.media.probes").description("header probes").register(metrics);
  }

  /** Blocking: the header of {@code file}, checked against the pixel limit (see {@link ImageProbe}). */
  public ImageInfo probe(Path file) throws IOException {
    MediaStorage.requireBlockingAllowed();
    probes.increment();
    return ImageProbe.probe(file, maxPixels);
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
