package io.pinstream;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
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
 */
final class JvmTuning {
  private static final Logger log = LoggerFactory.getLogger(JvmTuning.class);

  /** In the order they can be set (each must keep MinHeapFreeRatio <= MaxHeapFreeRatio). */
  static final Map<String, String> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("MinHeapFreeRatio", "10");
    OPTIONS.put("MaxHeapFreeRatio", "30");
  }

  private JvmTuning() {
  }

  /** Applies every option still at the JVM's default; returns what was set. */
  static Map<String, String> apply() {
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
