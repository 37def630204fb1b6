import java.io.File;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Compares two directories of surefire reports (plain sqlite-jdbc, then marmot): prints the counts of each run and
 * every test that passes on plain sqlite-jdbc but not through marmot, with the first line of its failure.
 * Usage: java CompareReports.java reports-plain reports-marmot
 */
public class CompareReports {
    record Outcome(String status, String message) {}

    public static void main(String[] args) throws Exception {
        Map<String, Outcome> plain = read(new File(args[0]));
        Map<String, Outcome> marmot = read(new File(args[1]));
        System.out.println("plain  (WAL): " + counts(plain));
        System.out.println("marmot      : " + counts(marmot));
        int n = 0;
        int notRun = 0;
        StringBuilder lines = new StringBuilder();
        for (var e : plain.entrySet()) {
            if (!e.getValue().status().equals("pass")) {
                continue;
            }
            Outcome m = marmot.get(e.getKey());
            if (m == null) {
                notRun++; // (--test ran a part of the suite)
            } else if (!m.status().equals("pass")) {
                n++;
                lines.append(String.format("  %-7s %s: %s%n", m.status(), e.getKey(), m.message()));
            }
        }
        if (notRun > 0) {
            System.out.println("not run through marmot: " + notRun);
        }
        System.out.println("pass on plain, not through marmot: " + n);
        System.out.print(lines);
    }

    static String counts(Map<String, Outcome> run) {
        Map<String, Integer> c = new TreeMap<>();
        run.values().forEach(o -> c.merge(o.status(), 1, Integer::sum));
        return run.size() + " tests " + c;
    }

    static Map<String, Outcome> read(File dir) throws Exception {
        Map<String, Outcome> out = new TreeMap<>();
        File[] files = dir.listFiles((d, name) -> name.startsWith("TEST-") && name.endsWith(".xml"));
        if (files == null) {
            throw new IllegalArgumentException("no surefire reports in " + dir);
        }
        var factory = DocumentBuilderFactory.newInstance();
        for (File f : files) {
            NodeList cases = factory.newDocumentBuilder().parse(f).getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element tc = (Element) cases.item(i);
                String key = tc.getAttribute("classname").replace("org.sqlite.", "") + "#" + tc.getAttribute("name");
                out.put(key, outcome(tc));
            }
        }
        return out;
    }

    static Outcome outcome(Element tc) {
        for (String kind : new String[] {"failure", "error", "skipped"}) {
            NodeList l = tc.getElementsByTagName(kind);
            if (l.getLength() > 0) {
                Element e = (Element) l.item(0);
                String msg = e.getAttribute("message");
                if (msg.isEmpty()) {
                    msg = e.getAttribute("type");
                }
                msg = msg.strip().lines().findFirst().orElse("");
                return new Outcome(kind.equals("skipped") ? "skipped" : "fail", msg.length() > 160 ? msg.substring(0, 160) + "…" : msg);
            }
        }
        return new Outcome("pass", "");
    }
}
