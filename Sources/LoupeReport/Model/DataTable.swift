import Foundation

/// How numbers in a table column are printed.
public enum NumberFormat: Sendable, Equatable {
    /// Fixed decimals with thousands separators, e.g. `12,345.68`.
    case decimal(places: Int)
    /// Integer with thousands separators.
    case integer
    /// Value × 100 with a `%` sign.
    case percent(places: Int)
    /// Scientific notation with `places` significant decimals, e.g. `1.23e-04`.
    case scientific(places: Int)
    /// Decimal for moderate magnitudes, scientific for tiny or huge ones.
    case automatic

    /// Formats `value` (NaN and infinities print as `NaN`, `∞`, `−∞`).
    public func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "∞" : "−∞" }
        switch self {
        case .decimal(let p): return NumberFormat.grouped(value, places: p)
        case .integer: return NumberFormat.grouped(value.rounded(), places: 0)
        case .percent(let p): return NumberFormat.grouped(value * 100, places: p) + "%"
        case .scientific(let p): return String(format: "%.\(max(0, p))e", value)
        case .automatic:
            let a = abs(value)
            if a != 0 && (a < 1e-3 || a >= 1e7) { return String(format: "%.2e", value) }
            return value == value.rounded() && a < 1e7 ? NumberFormat.grouped(value, places: 0)
                : NumberFormat.grouped(value, places: a >= 100 ? 1 : 3)
        }
    }

    /// Fixed-point with a comma every three integer digits and a proper minus sign.
    static func grouped(_ value: Double, places: Int) -> String {
        let raw = String(format: "%.\(max(0, places))f", abs(value))
        let parts = raw.split(separator: ".", maxSplits: 1)
        let digits = Array(parts.first.map(String.init) ?? "0")
        var intPart = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { intPart.append(",") }
            intPart.append(ch)
        }
        let negative = value < 0 && raw.contains(where: { $0 != "0" && $0 != "." })
        return (negative ? "−" : "") + intPart + (parts.count > 1 ? "." + parts[1] : "")
    }
}

/// One cell of a data table.
public enum TableCell: Sendable, Equatable {
    /// Text printed literally (wrapped, then ellipsised after the table's line limit).
    case text(String)
    /// A number printed with its column's format; eligible for heatmap shading.
    case number(Double)
    /// An empty cell.
    case empty
}

/// A column of a data table.
public struct TableColumn: Sendable {
    /// Header text.
    public var title: String
    /// Alignment of header and cells.
    public var alignment: TextAlignment
    /// How numeric cells print.
    public var format: NumberFormat
    /// Relative width; columns share the body width in proportion to their weights.
    public var weight: Double
    /// Whether numeric cells in this column are shaded by the table's heatmap.
    public var shaded: Bool
    /// Whether cells use the monospace font.
    public var monospace: Bool

    /// Creates a column.
    public init(_ title: String, alignment: TextAlignment = .left, format: NumberFormat = .automatic,
                weight: Double = 1, shaded: Bool = false, monospace: Bool = false) {
        self.title = title; self.alignment = alignment; self.format = format
        self.weight = weight; self.shaded = shaded; self.monospace = monospace
    }
}

/// Cell shading of a table as a heatmap.
public struct TableShading: Sendable {
    public var colorMap: ColorMap
    /// The value range mapped onto the colour map; nil uses the shaded cells' min...max.
    public var range: ClosedRange<Double>?
    /// Whether the map runs from the highest value to the lowest, so that within a section one end of the
    /// map always means the same (e.g. bright = worse for both an accuracy and an error table).
    public var reversed: Bool
    /// Creates a shading.
    public init(colorMap: ColorMap, range: ClosedRange<Double>? = nil, reversed: Bool = false) {
        self.colorMap = colorMap; self.range = range; self.reversed = reversed
    }

    /// The fill of `value` within `range`.
    public func color(for value: Double, in range: ClosedRange<Double>) -> Color {
        let span = range.upperBound - range.lowerBound
        let t = span > 0 ? (value - range.lowerBound) / span : 0.5
        return colorMap.color(at: reversed ? 1 - t : t)
    }
}

/// A table of rows under a header row repeated on every page the table spans.
public struct DataTable: Sendable {
    /// Column definitions, left to right.
    public var columns: [TableColumn]
    /// Rows of cells, one cell per column.
    public var rows: [[TableCell]]
    /// Caption printed above the table (may be empty).
    public var caption: String
    /// Heatmap shading of the columns marked `shaded`, if any.
    public var shading: TableShading?
    /// Lines a cell may take before it is cut with an ellipsis.
    public var maxLinesPerCell: Int

    /// Creates a table; every row must have one cell per column.
    public init(columns: [TableColumn], rows: [[TableCell]], caption: String = "", shading: TableShading? = nil,
                maxLinesPerCell: Int = 4) {
        self.columns = columns; self.rows = rows; self.caption = caption
        self.shading = shading; self.maxLinesPerCell = maxLinesPerCell
    }

    /// The range used for shading: the explicit one, else the shaded cells' finite min...max.
    public var shadingRange: ClosedRange<Double> {
        if let r = shading?.range { return r }
        var lo = Double.infinity, hi = -Double.infinity
        for row in rows {
            for (c, cell) in row.enumerated() where c < columns.count && columns[c].shaded {
                if case .number(let v) = cell, v.isFinite { lo = min(lo, v); hi = max(hi, v) }
            }
        }
        return lo <= hi ? lo...hi : 0...1
    }
}

extension DataTable {
    /// The first words of the note printed under a table that holds NaN or infinite numbers.
    public static let nonFiniteNote = "NaN and ∞ mark values that are not finite numbers."

    /// Whether any numeric cell is NaN or infinite.
    public var hasNonFiniteNumbers: Bool {
        rows.contains { $0.contains { if case .number(let v) = $0 { return !v.isFinite } else { return false } } }
    }
}
