package io.pinstream;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.ObjectName;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
 * <p>The C2 compiler's threads get a lower priority ({@link #lowerC2Priority}): after a reconnect wave
 * C2 recompiling the network stack took a third of a 2-core machine for tens of seconds, while the
 * broadcasts needed every core.
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
  /** The C2 compiler threads' nice value (0 is the default, 19 the lowest priority). */
  static final int C2_NICE = 10;
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
    String c2 = lowerC2Priority();
    if (c2 != null) {
      set.put("C2 compiler threads' nice", c2);
    }
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

  /**
   * Gives the C2 compiler's threads a lower scheduling priority (nice {@value #C2_NICE}), as
   * {@code -XX:CompilerThreadPriority} would where the JVM honours it: where every core is busy (a
   * reconnect wave's broadcasts) the event loops go first and C2 compiles with what they leave, instead of
   * taking a core from them for seconds; where a core is idle, C2 runs as before. Linux only (the threads
   * are found by name under /proc/self/task; renice(1) sets it, no privilege needed to lower a priority).
   * Returns the threads' ids, or null when nothing was changed.
   */
  static String lowerC2Priority() {
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return null;
    }
    List<String> c2 = new ArrayList<>();
    try (DirectoryStream<Path> all = Files.newDirectoryStream(tasks)) {
      for (Path task : all) {
        try {
          if (Files.readString(task.resolve("comm")).startsWith("C2 CompilerThre") && nice(task) < C2_NICE) {
            c2.add(task.getFileName().toString());
          }
        } catch (IOException gone) {
          // a thread that ended meanwhile
        }
      }
      if (c2.isEmpty()) {
        return null;
      }
      List<String> command = new ArrayList<>(List.of("renice", "-n", Integer.toString(C2_NICE), "-p"));
      command.addAll(c2);
      Process renice = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(renice.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      if (!renice.waitFor(5, java.util.concurrent.TimeUnit.SECONDS) || renice.exitValue() != 0) {
        log.info("C2 compiler threads keep their priority: renice said {}", output);
        return null;
      }
      return String.join(",", c2);
    } catch (IOException e) {
      log.info("C2 compiler threads keep their priority ({})", e.toString());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** A thread's nice value, from /proc/self/task/TID/stat (the 19th field; the name in brackets may hold spaces). */
  static int nice(Path task) throws IOException {
    String stat = Files.readString(task.resolve("stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(fields[16]);
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
