package io.pinstream.media;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.image.BufferedImage;
import java.io.File;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * libjpeg-turbo's TurboJPEG API, through Debian's Java bindings ({@code libturbojpeg-java}: the classes in
 * {@code /usr/share/java/turbojpeg.jar}, their JNI functions inside {@code libturbojpeg0}'s shared library).
 * What it gives over ImageIO is DCT-domain scaling: a JPEG is decoded straight to 1/2, 1/4 or 1/8 of its size,
 * skipping most of the inverse DCT, upsampling and colour conversion, as libvips' shrink-on-load does.
 *
 * <p>The jar is loaded at run time in a class loader of its own, so the build needs neither it nor the package:
 * where either is missing (or {@code PINSTREAM_JPEG_DECODER=java}), {@link #available()} is false and
 * {@link ImageDecoder} reads JPEGs with ImageIO as before. The loader also tells the bindings where the
 * library is: they ask for {@code libturbojpeg.so}, which only the -dev package provides.
 */
final class NativeJpeg {
  private static final Logger log = LoggerFactory.getLogger(NativeJpeg.class);
  static final String DEFAULT_JAR = "/usr/share/java/turbojpeg.jar";
  /** TJ.CS_CMYK and TJ.CS_YCCK: left to ImageIO (TwelveMonkeys), which converts them with their profile. */
  private static final int CS_CMYK = 3;
  private static final int CS_YCCK = 4;
  private static final int ERR_WARNING = 0;

  private static final NativeJpeg INSTANCE = load();

  private final String description;
  private final MethodHandle open;        // (byte[]) -> TJDecompressor
  private final MethodHandle width;       // (TJDecompressor) -> int
  private final MethodHandle height;
  private final MethodHandle colourspace;
  private final MethodHandle decompress;  // (TJDecompressor, BufferedImage, int flags)
  private final MethodHandle close;
  private final MethodHandle errorCode;   // (TJException) -> int
  private final Class<?> exceptionType;

  private NativeJpeg(String description, Class<?> decompressor, Class<?> exception) throws ReflectiveOperationException {
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    this.description = description;
    this.open = lookup.findConstructor(decompressor, MethodType.methodType(void.class, byte[].class))
        .asType(MethodType.methodType(Object.class, byte[].class));
    this.width = virtual(lookup, decompressor, "getWidth", MethodType.methodType(int.class));
    this.height = virtual(lookup, decompressor, "getHeight", MethodType.methodType(int.class));
    this.colourspace = virtual(lookup, decompressor, "getColorspace", MethodType.methodType(int.class));
    this.decompress = virtual(lookup, decompressor, "decompress",
        MethodType.methodType(void.class, BufferedImage.class, int.class));
    this.close = virtual(lookup, decompressor, "close", MethodType.methodType(void.class));
    this.errorCode = virtual(lookup, exception, "getErrorCode", MethodType.methodType(int.class));
    this.exceptionType = exception;
  }

  private static MethodHandle virtual(MethodHandles.Lookup lookup, Class<?> owner, String name, MethodType type)
      throws ReflectiveOperationException {
    MethodHandle h = lookup.findVirtual(owner, name, type);
    return h.asType(h.type().changeParameterType(0, Object.class));
  }

  /** The bindings, or null when they cannot be used here (then JPEGs are decoded with ImageIO). */
  static NativeJpeg get() {
    return INSTANCE;
  }

  static boolean available() {
    return INSTANCE != null;
  }

  /** Which JPEG decoder this process uses, for the startup log and the README. */
  static String describe() {
    return INSTANCE != null ? INSTANCE.description
        : "ImageIO (pure Java path; libturbojpeg-java not found or PINSTREAM_JPEG_DECODER=java)";
  }

  /** A JPEG's header as TurboJPEG reads it, kept open for one {@link #decode}. */
  final class Header implements AutoCloseable {
    private final Object handle;
    final int width;
    final int height;
    final boolean cmyk;

    private Header(Object handle) throws Throwable {
      this.handle = handle;
      this.width = (int) NativeJpeg.this.width.invokeExact(handle);
      this.height = (int) NativeJpeg.this.height.invokeExact(handle);
      int cs = (int) colourspace.invokeExact(handle);
      this.cmyk = cs == CS_CMYK || cs == CS_YCCK;
    }

    /**
     * Decodes into {@code target} (TYPE_INT_RGB), whose size must be one of TurboJPEG's scaled sizes. A warning
     * (libjpeg pads a truncated file with grey and only warns) is refused unless it is one that loses no pixels.
     */
    void decode(BufferedImage target) throws ImageRejectedException {
      try {
        decompress.invokeExact(handle, target, 0);
      } catch (Throwable e) {
        if (exceptionType.isInstance(e) && isWarning(e) && ImageDecoder.isBenign(e.getMessage())) {
          return;
        }
        throw ImageRejectedException.corrupt("image data is damaged: " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      try {
        NativeJpeg.this.close.invokeExact(handle);
      } catch (Throwable ignored) {
        // Nothing to free twice; the handle is also freed by its finalizer.
      }
    }
  }

  private boolean isWarning(Throwable e) {
    try {
      return (int) errorCode.invokeExact((Object) e) == ERR_WARNING;
    } catch (Throwable t) {
      return false;
    }
  }

  /** Reads the header of the JPEG in {@code jpeg}; a header TurboJPEG cannot read is corrupt. */
  Header open(byte[] jpeg) throws ImageRejectedException {
    try {
      return new Header(open.invokeExact(jpeg));
    } catch (Throwable e) {
      throw ImageRejectedException.corrupt("JPEG header cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * The DCT scale denominator (1, 2, 4 or 8) that gives the smallest image still at least {@code needW} x
   * {@code needH}; TurboJPEG's scaled size is ceil(size / denominator).
   */
  static int scaleDenominator(int width, int height, int needW, int needH) {
    for (int d = 8; d > 1; d /= 2) {
      if (ceilDiv(width, d) >= needW && ceilDiv(height, d) >= needH) {
        return d;
      }
    }
    return 1;
  }

  static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  private static NativeJpeg load() {
    String choice = setting("pinstream.jpeg.decoder", "PINSTREAM_JPEG_DECODER", "auto");
    if (choice.equalsIgnoreCase("java")) {
      return null;
    }
    Path jar = Path.of(setting("pinstream.turbojpeg.jar", "PINSTREAM_TURBOJPEG_JAR", DEFAULT_JAR));
    Path library = findLibrary();
    if (!Files.isRegularFile(jar) || library == null) {
      if (!choice.equalsIgnoreCase("auto")) {
        log.warn("PINSTREAM_JPEG_DECODER={} but {}{} is missing: JPEGs are decoded with ImageIO", choice, jar,
            library == null ? " or libturbojpeg.so.0" : "");
      }
      return null;
    }
    try {
      URLClassLoader loader = new TurboJpegLoader(jar.toUri().toURL(), library);
      Class<?> decompressor = Class.forName("org.libjpegturbo.turbojpeg.TJDecompressor", true, loader);
      Class<?> exception = Class.forName("org.libjpegturbo.turbojpeg.TJException", true, loader);
      NativeJpeg bindings = new NativeJpeg("libjpeg-turbo TurboJPEG via " + jar + " (" + library.getFileName()
          + ", DCT-domain scaling 1/2, 1/4, 1/8)", decompressor, exception);
      bindings.selfTest();
      return bindings;
    } catch (Throwable e) {
      log.warn("libturbojpeg could not be loaded from {} and {} ({}): JPEGs are decoded with ImageIO", jar, library,
          e.toString());
      return null;
    }
  }

  /** Decodes a tiny JPEG at 1/2 scale, so a broken install is found at start and not on the first upload. */
  private void selfTest() throws Exception {
    BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(img, "jpeg", out);
    try (Header header = open(out.toByteArray())) {
      BufferedImage half = new BufferedImage(ceilDiv(header.width, 2), ceilDiv(header.height, 2),
          BufferedImage.TYPE_INT_RGB);
      header.decode(half);
    }
  }

  private static Path findLibrary() {
    List<String> dirs = new ArrayList<>(List.of(System.getProperty("java.library.path", "").split(File.pathSeparator)));
    dirs.addAll(List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"));
    for (String dir : dirs) {
      for (String name : List.of("libturbojpeg.so", "libturbojpeg.so.0")) {
        if (!dir.isBlank() && Files.isRegularFile(Path.of(dir, name))) {
          return Path.of(dir, name);
        }
      }
    }
    return null;
  }

  private static String setting(String property, String env, String fallback) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      value = System.getenv(env);
    }
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  /** Loads the bindings' classes from the jar alone, and answers their System.loadLibrary("turbojpeg"). */
  private static final class TurboJpegLoader extends URLClassLoader {
    private final Path library;

    TurboJpegLoader(URL jar, Path library) {
      super(new URL[] {jar}, NativeJpeg.class.getClassLoader());
      this.library = library;
    }

    @Override
    protected String findLibrary(String name) {
      return name.equals("turbojpeg") ? library.toString() : super.findLibrary(name);
    }
  }
}
