/// A named series of (x, y) points for a line chart.
public struct LineSeries: Sendable {
    /// Legend label.
    public var name: String
    /// (x, y) pairs in drawing order; non-finite pairs are skipped.
    public var points: [(Double, Double)]
    /// Whether the line is dashed (e.g. validation curves).
    public var dashed: Bool
    /// Creates a series.
    public init(_ name: String, points: [(Double, Double)], dashed: Bool = false) {
        self.name = name; self.points = points; self.dashed = dashed
    }
}

/// A point of a scatter plot with its class index.
public struct ScatterPoint: Sendable {
    public var x: Double
    public var y: Double
    public var classIndex: Int
    /// Creates a point.
    public init(x: Double, y: Double, classIndex: Int) { self.x = x; self.y = y; self.classIndex = classIndex }
}

/// What a chart shows.
public enum ChartKind: Sendable {
    /// Lines with a legend; `logY` puts the y axis on a log scale.
    case line(series: [LineSeries], logY: Bool)
    /// Grouped bars: one group per category, one bar per series (`values[series][category]`).
    case bars(categories: [String], series: [String], values: [[Double]])
    /// Points coloured by class, with a legend naming the classes.
    case scatter(points: [ScatterPoint], classNames: [String])
    /// A histogram of raw values into `bins` equal bins.
    case histogram(values: [Double], bins: Int)
    /// A matrix of cells (`values[row][column]`) with a colour bar; annotated with values when small.
    case heatmap(values: [[Double]], rowLabels: [String], columnLabels: [String], colorMap: ColorMap,
                 range: ClosedRange<Double>?, annotate: Bool)
}

/// A chart block: a kind, axis titles and a height.
public struct Chart: Sendable {
    /// What is plotted.
    public var kind: ChartKind
    /// Bold line above the plot.
    public var title: String
    /// Title of the x axis.
    public var xLabel: String
    /// Title of the y axis (rotated).
    public var yLabel: String
    /// Height of the chart in points (the width is the body width).
    public var height: Double
    /// Italic line under the plot.
    public var caption: String
    /// Line charts: values the y axis always covers (e.g. `[0, 1]` so several panels share a scale).
    public var yCovers: [Double]

    /// Creates a chart.
    public init(_ kind: ChartKind, title: String = "", xLabel: String = "", yLabel: String = "",
                height: Double = 220, caption: String = "", yCovers: [Double] = []) {
        self.kind = kind; self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
        self.height = height; self.caption = caption; self.yCovers = yCovers
    }
}

extension Chart {
    /// How many of the plotted values can be drawn, of how many: finite, and positive on a log axis (a line or
    /// scatter point counts once; a heatmap's NaN cells mark left-out cells and count only when nothing else is finite).
    public var finiteValueCount: (finite: Int, total: Int) {
        func count(_ values: [Double]) -> (Int, Int) { (values.filter(\.isFinite).count, values.count) }
        switch kind {
        case let .line(series, logY):
            let points = series.flatMap(\.points)
            return (points.filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) }.count, points.count)
        case let .bars(_, _, values): return count(values.flatMap { $0 })
        case let .scatter(points, _): return (points.filter { $0.x.isFinite && $0.y.isFinite }.count, points.count)
        case let .histogram(values, _): return count(values)
        case let .heatmap(values, _, _, _, _, _):
            let (finite, total) = count(values.flatMap { $0 })
            return (finite, finite == 0 ? total : finite)
        }
    }

    /// Whether the chart has nothing to draw: axes would then come from made-up ranges, so a note takes its place.
    public var hasNothingToDraw: Bool { finiteValueCount.finite == 0 }

    /// The line printed instead of a chart with nothing to draw.
    public var leftOutNote: String {
        let (_, total) = finiteValueCount
        let name = title.isEmpty ? "A chart" : "The chart “\(title)”"
        var why = "it has no values to draw"
        if total > 0 { why = (total == 1 ? "its value is " : "all \(total) of its values are ") + (isLogarithmic ? "NaN, infinite or not positive" : "NaN or infinite") }
        return "\(name) is left out: \(why)."
    }

    /// The caption, followed by how many values are not drawn because they are NaN or infinite.
    public var captionNotingNonFinite: String {
        let (finite, total) = finiteValueCount
        guard finite < total else { return caption }
        let missing = total - finite
        let note = "\(missing) of \(total) values \(missing == 1 ? "is" : "are") \(isLogarithmic ? "NaN, infinite or not positive" : "NaN or infinite") and not drawn."
        return caption.isEmpty ? note : caption + " " + note
    }

    private var isLogarithmic: Bool { if case .line(_, true) = kind { return true } else { return false } }
}
