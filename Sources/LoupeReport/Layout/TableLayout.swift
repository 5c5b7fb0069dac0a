/// Lays out data tables and key–value tables as one fragment per row, header repeated on new pages.
struct TableLayout {
    let builder: FlowBuilder

    var theme: Theme { builder.theme }

    /// Fragments of a data table: optional caption, header, rows.
    func fragments(_ table: DataTable) throws -> [Fragment] {
        guard !table.columns.isEmpty else { throw ReportError.invalidDocument("table '\(table.caption)' has no columns") }
        for (i, row) in table.rows.enumerated() where row.count != table.columns.count {
            throw ReportError.invalidDocument(
                "table '\(table.caption)': row \(i + 1) has \(row.count) cells, expected \(table.columns.count)")
        }
        var out: [Fragment] = []
        if !table.caption.isEmpty {
            let text = StyledText([TextRun("Table. ", bold: true), TextRun(table.caption)],
                                  style: theme.caption.aligned(.left))
            var cap = builder.textFragments(text, label: "table caption")
            if !cap.isEmpty { cap[cap.count - 1].keepWithNext = true; cap[cap.count - 1].height += 3 }
            out += cap
        }
        let headerStyle = theme.table.emboldened
        let headerCells = table.columns.map { StyledText($0.title, style: headerStyle.aligned($0.alignment)) }
        let range = table.shadingRange
        let bodyCells = table.rows.enumerated().map { r, cells in
            cells.enumerated().map { c, cell in bodyCell(table, row: r, column: c, cell, shadingRange: range) }
        }
        let widths = fittedWidths(table.columns, texts: [headerCells] + bodyCells.map { $0.map(\.text) })
        var header = row(headerCells, widths: widths, maxLines: 3, label: "table header", fills: nil, isHeader: true)
        header.spaceBefore = table.caption.isEmpty ? theme.blockSpacing : 0
        header.keepWithNext = true
        var repeated = header
        repeated.spaceBefore = 0
        repeated.label = "table header (repeated)"
        out.append(header)

        for (r, cells) in bodyCells.enumerated() {
            let texts = cells.map(\.text), fills = cells.map(\.fill)
            var f = row(texts, widths: widths, maxLines: table.maxLinesPerCell, label: "row \(r + 1)", fills: fills, isHeader: false)
            if r > 0 { f.repeatedHeader = [repeated] }
            // No single row alone at the bottom or top of a page: tie the first and last two rows together.
            if table.rows.count >= 4 && (r == 0 || r == table.rows.count - 2) { f.keepWithNext = true }
            out.append(f)
        }
        // NaN and ∞ cells are explained right under the table (the note keeps with the last row).
        if table.hasNonFiniteNumbers {
            let note = StyledText(([DataTable.nonFiniteNote] + (builder.nonFiniteNote.isEmpty ? [] : [builder.nonFiniteNote])).joined(separator: " "),
                                  style: theme.caption.aligned(.left))
            if !out.isEmpty { out[out.count - 1].keepWithNext = true }
            out += builder.textFragments(note, label: "table note", spaceBefore: 3)
        }
        return out
    }

    /// One body cell's text and fill: numbers in the column's format, shaded cells coloured, every other row tinted.
    private func bodyCell(_ table: DataTable, row r: Int, column c: Int, _ cell: TableCell,
                          shadingRange: ClosedRange<Double>) -> (text: StyledText, fill: Color?) {
        let column = table.columns[c]
        var style = theme.table.aligned(column.alignment)
        if column.monospace { style.family = .mono }
        var fill: Color? = r % 2 == 1 ? Color(hex: 0xF5F7FA) : nil
        let string: String
        switch cell {
        case .text(let s): string = s
        case .empty: string = ""
        case .number(let v):
            string = column.format.format(v)
            if column.shaded, let shading = table.shading, v.isFinite {
                let color = shading.color(for: v, in: shadingRange)
                fill = color
                if color.luminance < 0.5 { style.color = .white }
            }
        }
        return (StyledText(string, style: style), fill)
    }

    /// Fragments of a two-column name/value table without header.
    func keyValueFragments(_ pairs: [(String, String)]) -> [Fragment] {
        let widths = columnWidths([1, 2])
        return pairs.enumerated().map { i, pair in
            var f = row([StyledText(pair.0, style: theme.table.emboldened), StyledText(pair.1, style: theme.table)],
                        widths: widths, maxLines: 6, label: "kv \(i + 1)",
                        fills: [Color(hex: 0xF1F4F8), nil], isHeader: false)
            f.spaceBefore = i == 0 ? theme.blockSpacing : 0
            // Short key–value tables are never split.
            f.keepWithNext = pairs.count <= 8 && i < pairs.count - 1
            return f
        }
    }

    /// Column widths in points from relative weights.
    private func columnWidths(_ weights: [Double]) -> [Double] {
        let positive = weights.map { $0 > 0 && $0.isFinite ? $0 : 1 }
        let total = positive.reduce(0, +)
        return positive.map { builder.width * $0 / total }
    }

    /// One row: cells measured with a line limit, optional fills, a rule underneath.
    private func row(_ cells: [StyledText], widths: [Double], maxLines: Int, label: String,
                     fills: [Color?]?, isHeader: Bool, fitWords: Bool = true) -> Fragment {
        let (padX, padY) = theme.cellPadding
        let cells = fitWords ? zip(cells, widths).map { fitted($0, width: max(4, $1 - 2 * padX)) } : cells
        let heights = zip(cells, widths).map { cell, w in
            builder.measurer.measure(cell, width: max(4, w - 2 * padX), maxLines: maxLines).height
        }
        let height = (heights.max() ?? 0) + 2 * padY
        return Fragment(label: label, height: height, spaceBefore: 0) { ctx, rect in
            var x = rect.x
            if isHeader {
                ctx.canvas.fill(.rect(rect), color: Color(hex: 0xE3E9F1))
            }
            for (i, cell) in cells.enumerated() {
                let cellRect = Rect(x: x, y: rect.y, width: widths[i], height: rect.height)
                if let fill = fills?[i] { ctx.canvas.fill(.rect(cellRect), color: fill) }
                ctx.canvas.drawText(cell, at: Point(x + padX, rect.y + padY), width: max(4, widths[i] - 2 * padX),
                                    maxLines: maxLines)
                x += widths[i]
            }
            let ruleColor = isHeader ? Color.accent : Color(hex: 0xD5DAE1)
            ctx.canvas.stroke(.segment(Point(rect.x, rect.maxY), Point(rect.maxX, rect.maxY)), color: ruleColor,
                              lineWidth: isHeader ? 0.8 : 0.4, dash: [])
        }
    }
}
