import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { figureBundle, PLOTLY_FILES_PATH } from "../../lib/display/show_figure.ts";
import type { Figure } from "../../lib/display/plotly_figures.ts";

const FIGURE: Figure = {
  data: [{ type: "bar", name: "counts", x: [0, 1], y: [5, 7] }, {
    type: "scatter",
    x: [0],
    y: [1],
  }],
  layout: { title: { text: "Class </script> counts" } },
};

Deno.test("figureBundle sends the figure as plotly JSON with the requested height", () => {
  const bundle = figureBundle(FIGURE, { height: 300 });
  assertEquals(bundle["application/vnd.plotly.v1+json"], {
    data: FIGURE.data,
    layout: { ...FIGURE.layout, height: 300 },
  });
  assertEquals(FIGURE.layout.height, undefined, "the input figure is not modified");
  assertEquals(bundle["text/plain"], "Class </script> counts (plotly figure: counts, scatter)");
  // Mixed bar and scatter traces have no static chart: the picture names them.
  assert((bundle["image/svg+xml"] as string).includes("trace type(s) bar, scatter"));
  assert((bundle["image/svg+xml"] as string).includes("Class &lt;/script&gt; counts"));
  const layoutHeight = figureBundle({ data: [], layout: { height: 250 } });
  assertEquals((layoutHeight["application/vnd.plotly.v1+json"] as Figure).layout.height, 250);
});

Deno.test("figureBundle's HTML draws into its own div with a loader that cannot be broken out of", () => {
  const html = figureBundle(FIGURE)["text/html"] as string;
  const id = html.match(/<div id="(digit-lab-plot-[0-9a-f-]+)"/)![1];
  assert(html.includes("height:420px"), "default height");
  const script = html.slice(html.indexOf("<script"));
  assertEquals(script.match(/<\/script>/g)?.length, 1, "the title's </script> is escaped");
  assert(script.includes("\\u003c/script>"));
  assert(script.includes(JSON.stringify(id)));
  assert(script.includes(JSON.stringify(PLOTLY_FILES_PATH)));
  assert(script.includes("requirejs"), "uses requirejs where the classic Notebook has it");
  // The loader and its arguments parse as JavaScript.
  new Function(script.slice(script.indexOf(">") + 1, script.lastIndexOf("</script>")));
  // Before plotly draws, and where scripts do not run, the div shows the static picture.
  const div = html.slice(0, html.indexOf("<script"));
  assert(div.includes('<img class="digit-lab-plot-static" src="data:image/svg+xml;base64,'));
  assert(!div.includes("trusted"), "no 'must be trusted' note");
  const other = figureBundle(FIGURE)["text/html"] as string;
  assertNotEquals(other.match(/<div id="([^"]+)"/)![1], id, "every output gets its own div id");
});
