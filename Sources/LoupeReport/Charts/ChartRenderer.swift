import Foundation

/// A y or x axis: linear with nice ticks (whole-number ticks only when `integers`, e.g. run numbers),
/// logarithmic with decade ticks, or categorical bands.
enum AxisKind {
    case linear(ClosedRange<Double>, integers: Bool = false)
    case log(ClosedRange<Double>)
    case categories([String])
}

/// The plot area of a chart and how data maps into it.
struct PlotFrame {
    let area: Rect
    let x: AxisKind
    let y: AxisKind

    /// Horizontal position of data value `v` (or category index for categorical axes, at the band centre).
    func px(_ v: Double) -> Double { position(v, axis: x, from: area.x, to: area.maxX) }
    /// Vertical position of data value `v`.
    func py(_ v: Double) -> Double { position(v, axis: y, from: area.maxY, to: area.y) }

    /// Width of one category band on the x axis.
    var bandWidth: Double {
        if case .categories(let c) = x { return area.width / Double(max(1, c.count)) }
        return 0
    }

    private func position(_ v: Double, axis: AxisKind, from a: Double, to b: Double) -> Double {
        switch axis {
        case .linear(let d, _): return LinearScale(domain: d, from: a, to: b).map(v)
        case .log(let d):
            return LinearScale(domain: log10(d.lowerBound)...log10(d.upperBound), from: a, to: b).map(log10(max(v, 1e-300)))
        case .categories(let c): return a + (b - a) * (v + 0.5) / Double(max(1, c.count))
        }
    }
}

/// Draws charts through a canvas: frame, nice axes, grid, legend, then the marks of each chart kind.
public struct ChartRenderer {
    let canvas: Canvas
    let theme: Theme

    /// Creates a renderer drawing on `canvas`.
    public init(canvas: Canvas, theme: Theme) { self.canvas = canvas; self.theme = theme }

    /// Draws `chart` into `rect` (axes, labels and legend included).
    public func draw(_ chart: Chart, in rect: Rect) {
        // Nothing finite to plot: no axis from made-up ranges, a note instead (the flow prints it in the chart's place).
        if chart.hasNothingToDraw {
            canvas.drawText(StyledText(chart.leftOutNote, style: theme.caption), at: Point(rect.x, rect.y), width: rect.width)
            return
        }
        switch chart.kind {
        case let .line(series, logY): drawLine(chart, series: series, logY: logY, in: rect)
        case let .bars(categories, series, values): drawBars(chart, categories: categories, series: series, values: values, in: rect)
        case let .scatter(points, names): drawScatter(chart, points: points, classNames: names, in: rect)
        case let .histogram(values, bins): drawHistogram(chart, values: values, bins: bins, in: rect)
        case let .heatmap(values, rows, cols, map, range, annotate):
            drawHeatmap(chart, values: values, rowLabels: rows, columnLabels: cols, colorMap: map, range: range,
                        annotate: annotate, in: rect)
        }
    }

    /// Legend items drawn in a column at the right of `rect`; returns the width used.
    func legendWidth(_ names: [String]) -> Double {
        guard !names.isEmpty else { return 0 }
        let style = theme.chartLabel.colored(.text)
        let widest = names.map { canvas.measure(StyledText($0, style: style), width: 400, maxLines: 1).width }.max() ?? 0
        return min(120, widest + 22)
    }

    /// The smallest size, in points, an axis or matrix name is set at to keep its words whole.
    static let smallestAxisName = 4.5
    /// The longest a name turned upright under an axis may be, in points; longer names take two lines or end in "…".
    static let longestTurnedName = 110.0
    /// Line charts with at least this many series mark each line with a shape as well as a colour.
    static let seriesNeedingMarkers = 4
    /// Scatter points drawn per batch (one path per class and batch).
    static let scatterBatch = 400

    /// The mark a legend entry shows next to its name: the entry's marker shape (`MarkerShape.forIndex`) for
    /// `.marker` and `.lineAndMarker`.
    enum Swatch { case line, marker, square, lineAndMarker }

    /// Draws a legend: a swatch and a name per entry, top to bottom; the Bool of an entry asks for a dashed line.
    func drawLegend(_ entries: [(String, Color, Bool)], swatch: Swatch, in rect: Rect) {
        let style = theme.chartLabel.colored(.text)
        let lh = canvas.lineHeight(style) + 3
        for (i, entry) in entries.enumerated() {
            let y = rect.y + 4 + Double(i) * lh
            if y + lh > rect.maxY { break }
            let mid = y + lh / 2 - 1.5
            switch swatch {
            case .marker:
                var p = Path(); MarkerShape.forIndex(i).add(to: &p, at: Point(rect.x + 6, mid), radius: 2.6)
                canvas.fill(p, color: entry.1)
            case .lineAndMarker:
                canvas.stroke(.segment(Point(rect.x, mid), Point(rect.x + 13, mid)), color: entry.1, lineWidth: 1.6,
                              dash: entry.2 ? [3, 1.5] : [])
                var p = Path(); MarkerShape.forIndex(i).add(to: &p, at: Point(rect.x + 6.5, mid), radius: 2.2)
                canvas.fill(p, color: entry.1)
            case .square:
                canvas.fill(.rect(Rect(x: rect.x + 2, y: mid - 3.5, width: 8, height: 7)), color: entry.1)
            case .line:
                canvas.stroke(.segment(Point(rect.x, mid), Point(rect.x + 13, mid)), color: entry.1, lineWidth: 1.6,
                              dash: entry.2 ? [3, 1.5] : [])
            }
            canvas.drawLabel(entry.0, style: style, at: Point(rect.x + 17, y), width: rect.width - 17)
        }
    }

    /// A category or class name as it is printed under an axis or beside a matrix: on one line when it fits
    /// `width`, else wrapped onto two lines at spaces and, inside names such as `relu2_out` or `block.conv`,
    /// after underscores, dots and slashes, so that a name is cut with an ellipsis only when two lines cannot hold it.
    /// A word wider than `width` is set smaller (down to `smallestAxisName` points) rather than hyphenated.
    func axisName(_ name: String, style: TextStyle, width: Double) -> StyledText {
        var style = style
        let plain = StyledText(name, style: style)
        guard canvas.measure(plain, width: width, maxLines: 0).lineHeights.count > 1 else { return plain }
        let pieces = name.split(whereSeparator: { $0 == " " || $0 == "_" || $0 == "." || $0 == "/" })
        let widest = pieces.map { canvas.measure(StyledText(String($0) + "_", style: style), width: 10_000, maxLines: 1).width }.max() ?? 0
        if widest > width && widest > 0 {
            style.size = max(ChartRenderer.smallestAxisName, (style.size * width / widest * 10).rounded(.down) / 10)
        }
        var breakable = ""
        for ch in name {
            breakable.append(ch)
            // A zero-width space after the separator is a line-break opportunity and prints nothing.
            if ch == "_" || ch == "." || ch == "/" { breakable.append("\u{200B}") }
        }
        return StyledText(breakable, style: style)
    }

    /// Lines (1 or 2) the longest of `names` needs at `width`.
    func axisNameLines(_ names: [String], style: TextStyle, width: Double) -> Int {
        names.contains { canvas.measure(axisName($0, style: style, width: width), width: width, maxLines: 2).lineHeights.count > 1 } ? 2 : 1
    }

    /// Whether names under columns `width` wide are turned upright: when one has a word wider than the column,
    /// which flat would have to be set smaller or broken inside the word.
    func namesNeedTurning(_ names: [String], style: TextStyle, width: Double) -> Bool {
        names.contains { name in
            name.split(whereSeparator: { $0 == " " || $0 == "_" || $0 == "." || $0 == "/" }).contains {
                canvas.measure(StyledText(String($0), style: style), width: 10_000, maxLines: 1).width > width
            }
        }
    }

    /// The height turned names take below an axis: the longest name's length, at most `longestTurnedName`.
    func turnedNamesLength(_ names: [String], style: TextStyle) -> Double {
        min(Self.longestTurnedName, names.map { canvas.measure(StyledText($0, style: style), width: 10_000, maxLines: 1).width }.max() ?? 0) + 2
    }

    /// Draws `name` turned 90° (read upwards) below an axis, centred on `centerX`, ending `top`; a name longer than
    /// `length` takes a second line where the column is wide enough for two.
    func drawTurnedName(_ name: String, style: TextStyle, centerX: Double, top: Double, length: Double, columnWidth: Double) {
        let lh = canvas.lineHeight(style)
        let maxLines = columnWidth >= 2 * lh ? 2 : 1
        let text = axisName(name, style: style.aligned(.right), width: length)
        let lines = min(maxLines, canvas.measure(text, width: length, maxLines: maxLines).lineHeights.count)
        canvas.drawText(text, at: Point(centerX - Double(lines) * lh / 2, top + length), width: length, maxLines: maxLines, angle: 90)
    }

    /// Lays out axes for `x` and `y` in `rect`, draws grid, ticks, tick labels and axis titles.
    func frame(_ chart: Chart, x: AxisKind, y: AxisKind, in rect: Rect, rightSpace: Double) -> PlotFrame {
        let style = theme.chartLabel
        let lh = canvas.lineHeight(style)
        let yTicks = ticks(for: y, count: max(3, Int(rect.height / 40)))
        let yLabelWidth = (yTicks.map { canvas.measure(StyledText($0.1, style: style), width: 200, maxLines: 1).width }.max() ?? 0)
        let left = rect.x + (chart.yLabel.isEmpty ? 0 : lh + 4) + yLabelWidth + 6
        // Category names that do not fit their band get a second line, or are turned upright when a word is wider than the band.
        var nameLines = 1, turnedLength: Double?
        if case .categories(let names) = x, !names.isEmpty {
            let band = max(10, rect.maxX - rightSpace - left) / Double(names.count)
            if namesNeedTurning(names, style: style, width: band - 2) {
                turnedLength = turnedNamesLength(names, style: style)
            } else {
                nameLines = axisNameLines(names, style: style, width: band)
            }
        }
        let namesHeight = turnedLength ?? Double(nameLines) * lh
        let bottom = rect.maxY - namesHeight - 5 - (chart.xLabel.isEmpty ? 0 : lh + 3)
        let area = Rect(x: left, y: rect.y + lh / 2, width: max(10, rect.maxX - rightSpace - left), height: max(10, bottom - rect.y - lh / 2))
        let frame = PlotFrame(area: area, x: x, y: y)

        for (v, label) in yTicks {
            let py = frame.py(v)
            canvas.stroke(.segment(Point(area.x, py), Point(area.maxX, py)), color: .grid, lineWidth: 0.5, dash: [])
            canvas.drawText(StyledText(label, style: style.aligned(.right)), at: Point(area.x - 4 - yLabelWidth, py - lh / 2),
                            width: yLabelWidth, maxLines: 1)
        }
        if case .categories(let names) = x {
            let band = frame.bandWidth
            for (i, name) in names.enumerated() {
                if let turnedLength {
                    drawTurnedName(name, style: style, centerX: area.x + (Double(i) + 0.5) * band, top: area.maxY + 4,
                                   length: turnedLength, columnWidth: band)
                } else {
                    canvas.drawText(axisName(name, style: style.aligned(.center), width: band), at: Point(area.x + Double(i) * band, area.maxY + 4),
                                    width: band, maxLines: nameLines)
                }
            }
        } else {
            let xTicks = ticks(for: x, count: max(3, Int(area.width / 60)))
            for (v, label) in xTicks {
                let px = frame.px(v)
                canvas.stroke(.segment(Point(px, area.y), Point(px, area.maxY)), color: .grid, lineWidth: 0.5, dash: [])
                canvas.stroke(.segment(Point(px, area.maxY), Point(px, area.maxY + 2.5)), color: .muted, lineWidth: 0.5, dash: [])
                canvas.drawText(StyledText(label, style: style.aligned(.center)), at: Point(px - 30, area.maxY + 4), width: 60, maxLines: 1)
            }
        }
        var axes = Path()
        axes.move(to: Point(area.x, area.y)); axes.line(to: Point(area.x, area.maxY)); axes.line(to: Point(area.maxX, area.maxY))
        canvas.stroke(axes, color: .muted, lineWidth: 0.7, dash: [])
        let titleStyle = style.colored(.text).aligned(.center)
        if !chart.xLabel.isEmpty {
            canvas.drawText(StyledText(chart.xLabel, style: titleStyle), at: Point(area.x, rect.maxY - lh), width: area.width, maxLines: 1)
        }
        if !chart.yLabel.isEmpty {
            canvas.drawText(StyledText(chart.yLabel, style: titleStyle), at: Point(rect.x, area.maxY), width: area.height,
                            maxLines: 1, angle: 90)
        }
        return frame
    }

    /// Tick values and labels of an axis.
    private func ticks(for axis: AxisKind, count: Int) -> [(Double, String)] {
        switch axis {
        case .linear(let d, let integers):
            let t = NiceTicks.linear(d, maxCount: count, integers: integers)
            return t.values.map { ($0, t.label($0)) }
        case .log(let d):
            let t = NiceTicks.decades(d)
            return t.values.map { (pow(10, $0), t.label($0)) }
        case .categories: return []
        }
    }
}
