package io.pinstream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dependency rule, checked on the compiled classes with the JDK's own {@code jdeps}: packages
 * import only packages below them, so the graph of {@code io.pinstream} packages has no cycle, the
 * floor ({@code common}, {@code config}) imports none of ours but each other, and {@code web} and
 * {@code infra} import no feature.
 */
class PackageDependenciesTest {
  private static final String ROOT = "io.pinstream";
  private static final Set<String> FEATURES = Set.of("accounts", "boards", "media", "pins", "shop", "feed", "live", "ops", "search");

  @Test
  @DisplayName("no cycle among the io.pinstream packages")
  void noCycle() {
    Map<String, Set<String>> graph = packageGraph();
    assertThat(graph).as("jdeps found the packages").containsKeys(ROOT, ROOT + ".feed", ROOT + ".live");
    assertThat(cycles(graph)).as("package cycles (each line: the packages of one cycle)").isEmpty();
  }

  @Test
  @DisplayName("the floor and the plumbing import no feature")
  void layers() {
    Map<String, Set<String>> graph = packageGraph();
    for (String low : List.of("common", "config", "infra", "web")) {
      Set<String> imported = graph.getOrDefault(ROOT + "." + low, Set.of());
      assertThat(imported).as(low + " imports").noneMatch(p -> FEATURES.contains(p.substring(ROOT.length() + 1)));
      assertThat(imported).as(low + " imports").doesNotContain(ROOT);
    }
    assertThat(graph.getOrDefault(ROOT + ".common", Set.of())).as("common imports").isEmpty();
    assertThat(graph.getOrDefault(ROOT + ".shop", Set.of())).as("shop imports").doesNotContain(ROOT + ".pins");
  }

  /** package -> packages it uses, from {@code jdeps -verbose:package} over target/classes. */
  static Map<String, Set<String>> packageGraph() {
    Path classes = Path.of("target", "classes");
    assertThat(Files.isDirectory(classes)).as("compiled classes at " + classes.toAbsolutePath()).isTrue();
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("no jdeps in this JDK"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = jdeps.run(new PrintWriter(out), new PrintWriter(err),
        "-verbose:package", "-e", "io\\.pinstream.*", classes.toString());
    assertThat(status).as("jdeps: " + err).isZero();
    Map<String, Set<String>> graph = new TreeMap<>();
    for (String line : out.toString().split("\n")) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length >= 3 && parts[1].equals("->") && parts[0].startsWith(ROOT) && parts[2].startsWith(ROOT)) {
        graph.computeIfAbsent(parts[0], k -> new TreeSet<>());
        if (!parts[0].equals(parts[2])) {
          graph.get(parts[0]).add(parts[2]);
        }
      }
    }
    return graph;
  }

  /** Strongly connected components of more than one package (Tarjan). */
  static List<Set<String>> cycles(Map<String, Set<String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<Set<String>> found = new ArrayList<>();
    int[] next = {0};
    for (String node : graph.keySet()) {
      if (!index.containsKey(node)) {
        connect(node, graph, index, low, stack, onStack, found, next);
      }
    }
    return found;
  }

  private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
                              Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                              List<Set<String>> found, int[] next) {
    index.put(v, next[0]);
    low.put(v, next[0]++);
    stack.push(v);
    onStack.add(v);
    for (String w : graph.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        connect(w, graph, index, low, stack, onStack, found, next);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> component = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      if (component.size() > 1) {
        found.add(component);
      }
    }
  }
}
