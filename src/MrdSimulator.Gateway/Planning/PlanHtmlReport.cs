using System.Globalization;
using System.Net;
using System.Text;

namespace MrdSimulator.Gateway.Planning;

/// <summary>
/// The planner's answer as one self-contained HTML page (<c>--html FILE</c>): the summary table and three charts drawn
/// as inline SVG (wait distribution, queue length over time, service level per interval), so it opens anywhere offline.
/// </summary>
public static class PlanHtmlReport
{
    private const int Width = 720;
    private const int Height = 220;
    private const int Margin = 40;

    public static string Render(PlanResult result)
    {
        var o = result.Options;
        var f = result.Figures;
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>MRD Simulator plan</title>
            <style>body{font:14px system-ui,sans-serif;margin:2em;max-width:780px}table{border-collapse:collapse}td,th{padding:3px 10px;text-align:right}
            th:first-child,td:first-child{text-align:left}tr:nth-child(even){background:#f4f4f4}svg{background:#fafafa;border:1px solid #ddd}
            .bar{fill:#4878a8}.line{fill:none;stroke:#4878a8;stroke-width:1.5}.target{stroke:#c0392b;stroke-dasharray:4 3}.formula{fill:none;stroke:#e67e22;stroke-width:1.5}
            text{font-size:11px;fill:#333}</style></head><body>
            <h1>MRD Simulator plan</h1>
            """);
        html.Append("<pre id=\"summary\">").Append(Encode(PlanTextReport.Render(result))).Append("</pre>\n");

        html.Append("<h2>Wait distribution</h2>\n");
        var labels = f.WaitBucketBounds.Select(b => Invariant($"≤{b:0.#}")).Append(Invariant($">{f.WaitBucketBounds[^1]:0.#}")).ToArray();
        html.Append(Bars("waits", labels, [.. f.WaitBucketCounts.Select(c => (double)c)], "tasks", target: null));

        html.Append("<h2>Queue length over time</h2>\n");
        html.Append(Line("queue", [.. f.QueueLength.Select(s => (s.AtSeconds / 3600, (double)s.Length))], "hours", "waiting tasks"));

        html.Append("<h2>Service level per interval</h2>\n");
        var intervals = f.Intervals;
        var intervalLabels = intervals.Select(i => PlanTextReport.Clock((o.Profile?.OriginSeconds ?? 0) + i.StartSeconds)).ToArray();
        html.Append(Bars("service-level", intervalLabels, [.. intervals.Select(i => i.ServiceLevel ?? 0)], "share answered in " + Invariant($"{o.ThresholdSeconds:0.#} s"), o.TargetServiceLevel,
            [.. result.IntervalFormulas.Select(x => x?.Matching.ServiceLevel ?? double.NaN)]));
        html.Append("<p>Bars: simulated; orange line: ").Append(o.PatienceSeconds is null ? "Erlang C" : "Erlang A").Append(" for the interval's rate");
        html.Append(o.TargetServiceLevel is null ? "" : "; red dashes: the target").Append(".</p>\n");
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static string Bars(string id, string[] labels, double[] values, string unit, double? target, double[]? formula = null)
    {
        var max = Math.Max(values.DefaultIfEmpty(0).Max(), Math.Max(target ?? 0, formula?.Where(double.IsFinite).DefaultIfEmpty(0).Max() ?? 0));
        max = max <= 0 ? 1 : max;
        var plotWidth = Width - 2 * Margin;
        var plotHeight = Height - 2 * Margin;
        var step = plotWidth / (double)Math.Max(1, values.Length);
        var svg = Start(id, unit);
        for (var i = 0; i < values.Length; i++)
        {
            var h = values[i] / max * plotHeight;
            svg.Append(Invariant($"<rect class=\"bar\" x=\"{Margin + i * step + 1:0.#}\" y=\"{Margin + plotHeight - h:0.#}\" width=\"{Math.Max(1, step - 2):0.#}\" height=\"{h:0.#}\"><title>{Encode(labels[i])}: {values[i]:0.###}</title></rect>"));
            if (values.Length <= 30 || i % (values.Length / 12) == 0)
            {
                svg.Append(Invariant($"<text x=\"{Margin + i * step:0.#}\" y=\"{Height - Margin + 14}\">{Encode(labels[i])}</text>"));
            }
        }

        if (formula is not null && formula.Length == values.Length)
        {
            var points = formula.Select((v, i) => double.IsFinite(v) ? Invariant($"{Margin + (i + 0.5) * step:0.#},{Margin + plotHeight - v / max * plotHeight:0.#}") : null).OfType<string>();
            svg.Append("<polyline class=\"formula\" points=\"").Append(string.Join(' ', points)).Append("\"/>");
        }

        if (target is { } t)
        {
            var y = Margin + plotHeight - t / max * plotHeight;
            svg.Append(Invariant($"<line class=\"target\" x1=\"{Margin}\" x2=\"{Width - Margin}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\"/>"));
        }

        svg.Append(Invariant($"<text x=\"2\" y=\"{Margin - 6}\">{max:0.###}</text>"));
        return svg.Append("</svg>\n").ToString();
    }

    private static string Line(string id, (double X, double Y)[] points, string xUnit, string yUnit)
    {
        var maxX = Math.Max(1e-9, points.Max(p => p.X));
        var maxY = Math.Max(1, points.Max(p => p.Y));
        var plotWidth = Width - 2 * Margin;
        var plotHeight = Height - 2 * Margin;
        var svg = Start(id, yUnit);
        svg.Append("<polyline class=\"line\" points=\"")
            .Append(string.Join(' ', points.Select(p => Invariant($"{Margin + p.X / maxX * plotWidth:0.#},{Margin + plotHeight - p.Y / maxY * plotHeight:0.#}"))))
            .Append("\"/>");
        svg.Append(Invariant($"<text x=\"2\" y=\"{Margin - 6}\">{maxY:0}</text><text x=\"{Width - Margin - 60}\" y=\"{Height - Margin + 14}\">{maxX:0.#} {xUnit}</text>"));
        return svg.Append("</svg>\n").ToString();
    }

    private static StringBuilder Start(string id, string unit) =>
        new StringBuilder().Append(Invariant($"<svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"{Encode(unit)}\">"))
            .Append(Invariant($"<text x=\"{Margin}\" y=\"14\">{Encode(unit)}</text>"));

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
