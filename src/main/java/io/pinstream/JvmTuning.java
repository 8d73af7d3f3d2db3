package io.pinstream;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.ObjectName;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JVM options the service needs, applied by the service itself at start, so that the README's
 * {@code java -jar pinstream.jar} gets them without a flag: the JVM lets a running program set its
 * "manageable" options. An option the operator set on the command line (or in JAVA_TOOL_OPTIONS) is
 * left as given.
 *
 * <p>The heap keeps 10-30% free after a collection instead of G1's 40-70%: a live node's heap is
 * mostly connection state that lives as long as its connection, so the default headroom was a
 * third more resident memory per idle connection, for nothing.
 *
 * <p>With {@code PINSTREAM_JIT=c1-network}, for nodes that mostly hold live connections: compiler
 * directives ({@value #DIRECTIVES}, added through HotSpot's diagnostic command MBean, as
 * {@code jcmd Compiler.directives_add} would) leave the service's own code and its network, database
 * and JSON libraries to C1; image processing and cryptography keep C2. A live node's event loops
 * spend over 80% of their time in the kernel's send(2), so C2's faster code gains them little, while
 * C2 compiling the network stack after a reconnect wave took a third of a 2-core machine for tens of
 * seconds: with C1 the server's CPU per delivered message right after a 10,000-socket wave went from
 * 28-31 to 20-25 us and its p99 fell below ws's in 6 of 7 runs. Not the default: C1's code made the
 * API's requests cost more, a search mix served 30% fewer requests on the same CPU (BENCHMARKS.md,
 * "Live push", round four). A compiler option of the operator's own ({@code -XX:TieredStopAtLevel},
 * {@code -XX:CompilerDirectivesFile}) wins over the setting.
 */
public final class JvmTuning {
  private static final Logger log = LoggerFactory.getLogger(JvmTuning.class);

  /** The environment variable that chooses the compiler policy: unset (the JVM's own) or {@value #C1_NETWORK}. */
  static final String JIT_ENV = "PINSTREAM_JIT";
  static final String C1_NETWORK = "c1-network";
  /** Which methods C2 may compile under {@value #C1_NETWORK}: a resource of the jar. */
  static final String DIRECTIVES = "jvm/compiler-directives.json";
  private static boolean directivesAdded;

  /** In the order they can be set (each must keep MinHeapFreeRatio <= MaxHeapFreeRatio). */
  static final Map<String, String> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("MinHeapFreeRatio", "10");
    OPTIONS.put("MaxHeapFreeRatio", "30");
  }

  private JvmTuning() {
  }

  /**
   * Applies every option still at the JVM's default, and the compiler directives once; returns what was
   * set. Main calls it first thing; so do the in-process benchmarks, which measure the product as it runs.
   */
  public static Map<String, String> apply() {
    Map<String, String> set = applyHeapOptions();
    if (applyCompilerDirectives(System.getenv(JIT_ENV))) {
      set.put("compiler directives", DIRECTIVES);
    }
    return set;
  }

  /**
   * Adds the compiler directives when {@code jit} is {@value #C1_NETWORK}, unless added already or the
   * operator set compiler options; true when added now.
   */
  static synchronized boolean applyCompilerDirectives(String jit) {
    if (directivesAdded || !C1_NETWORK.equalsIgnoreCase(jit == null ? "" : jit.trim()) || operatorChoseCompiler()) {
      return false;
    }
    Path file = null;
    try (InputStream in = JvmTuning.class.getResourceAsStream("/" + DIRECTIVES)) {
      if (in == null) {
        throw new IOException(DIRECTIVES + " is not in the jar");
      }
      file = Files.createTempFile("pinstream-compiler-directives", ".json");
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      Object answer = ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
          new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
      String text = String.valueOf(answer).trim();
      if (!text.matches("\\d+ compiler directives added")) {
        log.info("compiler directives not applied: {}", text);
        return false;
      }
      directivesAdded = true;
      log.debug("{}: {}", DIRECTIVES, text);
      return true;
    } catch (Exception | LinkageError e) {
      log.info("compiler directives not applied (every method stays with C2): {}", e.toString());
      return false;
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file); // read when added
        } catch (IOException ignored) {
          // a temporary file
        }
      }
    }
  }

  private static boolean operatorChoseCompiler() {
    try {
      HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      for (String name : new String[] {"TieredStopAtLevel", "CompilerDirectivesFile", "TieredCompilation"}) {
        if (hotspot.getVMOption(name).getOrigin() != VMOption.Origin.DEFAULT) {
          return true;
        }
      }
      return false;
    } catch (RuntimeException | LinkageError e) {
      return false; // not HotSpot, or an option it does not have: the directives command decides
    }
  }

  private static Map<String, String> applyHeapOptions() {
    Map<String, String> set = new LinkedHashMap<>();
    HotSpotDiagnosticMXBean hotspot;
    try {
      hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    } catch (RuntimeException | LinkageError e) {
      log.info("not a HotSpot JVM: heap free ratios left as they are ({})", e.toString());
      return set;
    }
    if (hotspot == null) {
      return set;
    }
    OPTIONS.forEach((name, value) -> {
      try {
        VMOption option = hotspot.getVMOption(name);
        if (option.getOrigin() == VMOption.Origin.DEFAULT && !option.getValue().equals(value)) {
          hotspot.setVMOption(name, value);
          set.put(name, value);
        }
      } catch (RuntimeException e) {
        log.info("JVM option {} not applied: {}", name, e.toString());
      }
    });
    if (!set.isEmpty()) {
      log.debug("JVM options applied at run time: {}", set);
    }
    return set;
  }
}
