import java.util.*;

/** tests/vectors/java_order.json: javac JavaOrderVectors.java && java JavaOrderVectors > java_order.json
 *  Prints test vectors of java.util.Random, Collections.shuffle, String.hashCode,
 *  HashSet/HashMap iteration order and String sorting, as JSON. */
public class JavaOrderVectors {
  static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
  static String list(List<String> xs) {
    StringJoiner j = new StringJoiner(", ", "[", "]");
    for (String x : xs) j.add(q(x));
    return j.toString();
  }
  public static void main(String[] args) {
    long[] seeds = {0L, 1L, 42L, -7L, 140737488355327L, -140737488355328L, 123456789L};
    List<List<String>> sets = List.of(
        List.of("Mookie Blaylock", "Yinka Dare", "George Gervin"),
        List.of("A", "B", "C", "D", "E", "F"),
        List.of("BETSY HODGES", "MARK ANDREW", "DON SAMUELS", "CAM WINTON", "JACKIE CHERRYHOMES", "BOB FINE",
                "DAN COHEN", "STEPHANIE WOODRUFF", "MARK V ANDERSON", "DOUG MANN", "OLE SAVIOR", "ALICIA K. BENNETT",
                "ABDUL M RAHAMAN THE ROCK", "CAPTAIN JACK SPARROW", "CHRISTOPHER CLARK", "TONY LANE",
                "Undeclared Write-ins"),
        List.of("Aa", "BB", "C#", "Émile Zola", "Zoë", "\uD83D\uDE00 smile", "\uFF21 fullwidth", "ábc", "abc", "Abc"));
    StringBuilder out = new StringBuilder("{\n  \"random\": [\n");
    for (int i = 0; i < seeds.length; i++) {
      Random r = new Random(seeds[i]);
      StringJoiner d = new StringJoiner(", ");
      for (int k = 0; k < 5; k++) d.add(Double.toString(r.nextDouble()));
      StringJoiner n = new StringJoiner(", ");
      for (int bound : new int[] {1, 2, 3, 7, 10, 16, 1000, 1 << 30, 1610612736}) n.add(Integer.toString(r.nextInt(bound)));
      out.append("    {\"seed\": ").append(seeds[i]).append(", \"next_double\": [").append(d)
         .append("], \"then_next_int\": [").append(n).append("]}").append(i + 1 < seeds.length ? ",\n" : "\n");
    }
    out.append("  ],\n  \"bounds\": [1, 2, 3, 7, 10, 16, 1000, 1073741824, 1610612736],\n  \"sets\": [\n");
    for (int i = 0; i < sets.size(); i++) {
      List<String> names = sets.get(i);
      StringJoiner h = new StringJoiner(", ");
      for (String s : names) h.add(Integer.toString(s.hashCode()));
      Set<String> hs = new HashSet<>();
      hs.addAll(names);
      Map<String, Integer> hm = new HashMap<>();
      for (String s : names) hm.put(s, 0);
      List<String> sorted = new ArrayList<>(names);
      Collections.sort(sorted);
      StringJoiner shuffles = new StringJoiner(", ");
      for (long seed : seeds) {
        List<String> p = new ArrayList<>(names);
        Collections.sort(p);
        Collections.shuffle(p, new Random(seed));
        shuffles.add(list(p));
      }
      out.append("    {\"names\": ").append(list(names))
         .append(",\n     \"hash_codes\": [").append(h)
         .append("],\n     \"hash_set_of_collection\": ").append(list(new ArrayList<>(new HashSet<>(names))))
         .append(",\n     \"hash_set_added\": ").append(list(new ArrayList<>(hs)))
         .append(",\n     \"hash_map_put\": ").append(list(new ArrayList<>(hm.keySet())))
         .append(",\n     \"sorted\": ").append(list(sorted))
         .append(",\n     \"sorted_then_shuffled\": [").append(shuffles).append("]}")
         .append(i + 1 < sets.size() ? ",\n" : "\n");
    }
    out.append("  ]\n}\n");
    System.out.print(out);
  }
}
