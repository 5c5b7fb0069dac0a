/// Keeping words whole in table cells: columns widen to their longest word, and a cell whose word still
/// cannot fit is set smaller rather than broken inside the word.
extension TableLayout {
    /// The smallest size, in points, a cell is set at to keep its words whole.
    static let smallestCellText = 5.0

    /// The words of a cell as the line breaker sees them: split at spaces, and after `_`, `/` and a `.`
    /// that a letter follows (inside identifiers such as `layer1.conv_2`), never inside a number.
    static func words(_ text: String) -> [String] {
        var words: [String] = [], current = ""
        let characters = Array(text)
        for (i, ch) in characters.enumerated() {
            if ch.isWhitespace {
                if !current.isEmpty { words.append(current); current = "" }
                continue
            }
            current.append(ch)
            let next = i + 1 < characters.count ? characters[i + 1] : " "
            if ch == "_" || ch == "/" || (ch == "." && next.isLetter) { words.append(current); current = "" }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// `text` with a zero-width space after each break point of `words` inside a word, so the line breaker
    /// can use it (it prints nothing).
    static func breakable(_ text: String) -> String {
        var out = ""
        let characters = Array(text)
        for (i, ch) in characters.enumerated() {
            out.append(ch)
            let next = i + 1 < characters.count ? characters[i + 1] : " "
            if !next.isWhitespace && (ch == "_" || ch == "/" || (ch == "." && next.isLetter)) { out.append("\u{200B}") }
        }
        return out
    }

    /// Width of the widest word of `text` in `style`.
    func widestWord(_ text: String, style: TextStyle) -> Double {
        Self.words(text).map { builder.measurer.measure(StyledText($0, style: style), width: 100_000, maxLines: 1).width }.max() ?? 0
    }

    /// The cell as it is drawn in a column `width` wide: breakable inside identifiers, and set smaller (down to
    /// `smallestCellText`) when its widest word is wider than the column.
    func fitted(_ cell: StyledText, width: Double) -> StyledText {
        var style = cell.style
        let plain = cell.plainText
        let widest = widestWord(plain, style: style)
        if widest > width && widest > 0 {
            style.size = max(Self.smallestCellText, (style.size * width / widest * 10).rounded(.down) / 10)
        }
        return StyledText(Self.breakable(plain), style: style)
    }

    /// Column widths from the weights, with every column at least as wide as its widest word (header and cells)
    /// where the table's width allows: the extra width is taken from the other columns in proportion to their weights.
    func fittedWidths(_ columns: [TableColumn], texts: [[StyledText]]) -> [Double] {
        let weights = columns.map { $0.weight > 0 && $0.weight.isFinite ? $0.weight : 1 }
        let total = builder.width
        let padding = 2 * theme.cellPadding.0 + 1
        let needs = columns.indices.map { c in
            texts.map { row in widestWord(row[c].plainText, style: row[c].style) }.max().map { $0 + padding } ?? 0
        }
        var pinned = Set<Int>()
        var widths = weights.map { total * $0 / weights.reduce(0, +) }
        guard needs.reduce(0, +) <= total else { return widths }
        while true {
            let free = columns.indices.filter { !pinned.contains($0) }
            let room = total - pinned.map { needs[$0] }.reduce(0, +)
            let freeWeight = free.map { weights[$0] }.reduce(0, +)
            for c in free { widths[c] = freeWeight > 0 ? room * weights[c] / freeWeight : 0 }
            for c in pinned { widths[c] = needs[c] }
            let short = free.filter { widths[$0] < needs[$0] }
            if short.isEmpty { return widths }
            pinned.formUnion(short)
        }
    }
}
