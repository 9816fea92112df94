import { assert, assertEquals, assertThrows } from "@std/assert";
import { tableBundle } from "../../lib/display/show_table.ts";
import { InvalidArgumentError } from "../../lib/core/errors.ts";

Deno.test("tableBundle renders HTML with escaped cells and numbers aligned right", () => {
  const bundle = tableBundle([["<7>", 0.98765, 10], ["a & b", 1, 2]], {
    header: ["digit", "recall", "n"],
    caption: "Per <class>",
    digits: 2,
  });
  const html = bundle["text/html"] as string;
  assert(html.startsWith('<table class="digit-lab-table"><caption>Per &lt;class&gt;</caption>'));
  assert(html.includes("<th>digit</th><th>recall</th><th>n</th>"));
  assert(html.includes('<td style="text-align:left">&lt;7&gt;</td>'));
  assert(html.includes('<td style="text-align:right">0.99</td>'));
  assert(html.includes('<td style="text-align:right">1</td>'), "integers keep no decimals");
  assertEquals(html.match(/<tr>/g)?.length, 3);
  const text = (bundle["text/plain"] as string).split("\n");
  assertEquals(text[0], "Per <class>");
  assertEquals(text[2], "│ digit │ recall │  n │");
  assertEquals(text[4], "│ <7>   │   0.99 │ 10 │");
});

Deno.test("tableBundle rejects ragged rows", () => {
  assertThrows(() => tableBundle([["a", 1], ["b"]]), InvalidArgumentError, "row 1");
});
