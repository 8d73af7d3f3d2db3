package io.pinstream.live;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which subscriptions of one event loop follow which topic, so an event is written only to its
 * topics' subscribers; home subscriptions are also found by their viewer (whose follows changed).
 * Confined to the hub's event loop.
 */
final class TopicIndex {
  private final Map<String, Set<Subscription>> byTopic = new HashMap<>();
  private final Map<Long, List<Subscription>> homeByViewer = new HashMap<>();

  void add(Subscription sub) {
    byTopic.computeIfAbsent(sub.topic.name(), k -> new LinkedHashSet<>()).add(sub);
    if (sub.topic.kind() == Topic.Kind.HOME) {
      homeByViewer.computeIfAbsent(sub.connection.user.id(), k -> new ArrayList<>(1)).add(sub);
    }
  }

  void remove(Subscription sub) {
    Set<Subscription> subs = byTopic.get(sub.topic.name());
    if (subs != null && subs.remove(sub) && subs.isEmpty()) {
      byTopic.remove(sub.topic.name());
    }
    if (sub.topic.kind() == Topic.Kind.HOME) {
      List<Subscription> mine = homeByViewer.get(sub.connection.user.id());
      if (mine != null && mine.remove(sub) && mine.isEmpty()) {
        homeByViewer.remove(sub.connection.user.id());
      }
    }
  }

  /** The topic as its subscriptions on this loop already hold it (one object per topic), or null. */
  Topic topic(String name) {
    Set<Subscription> subs = byTopic.get(name);
    return subs == null || subs.isEmpty() ? null : subs.iterator().next().topic;
  }

  /** The topic's subscriptions, or null when it has none. Do not change it while iterating. */
  Set<Subscription> subscribers(String topic) {
    return byTopic.get(topic);
  }

  /** The viewer's home subscriptions on this loop (a copy). */
  List<Subscription> homesOf(long viewer) {
    List<Subscription> homes = homeByViewer.get(viewer);
    return homes == null ? List.of() : List.copyOf(homes);
  }
}
