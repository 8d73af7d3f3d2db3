package io.pinstream.media;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Blocking: turns a stored original into its served images. Runs on thumbnail worker threads only.
 * The three widths come from one decode (see {@link ThumbnailRenderer}); "orig" is the original
 * with its metadata stripped losslessly (see {@link MetadataStripper}).
 */
public final class MediaProcessor {
  private final MediaStorage storage;
  private final long maxPixels;
  private final ThumbnailRenderer renderer = new ThumbnailRenderer();

  public MediaProcessor(MediaStorage storage, long maxPixels) {
    this.storage = storage;
    this.maxPixels = maxPixels;
  }

  /** What a render produced: the images column and the placeholder colour. */
  public record Result(JsonObject images, String dominantColor) {
  }

  public Result process(Media media) throws IOException {
    Path original = storage.original(media.sha256());
    ImageInfo info = ImageProbe.probe(original, maxPixels);
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
