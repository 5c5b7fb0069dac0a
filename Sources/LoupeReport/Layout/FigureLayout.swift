/// Lays out an image grid as one fragment per row of images, then its caption; a grid of four rows or
/// more may break between rows.
///
/// The rows of one figure share a fragment group, so a colour bar is drawn beside the part of the grid on
/// each page; the caption keeps with the last row. Images never print smaller than `PrintSize.minimumMap`.
struct FigureLayout {
    let builder: FlowBuilder

    /// Width reserved on the right for a colour bar and its labels.
    static let colorBarSpace = 74.0
    /// Space between images.
    static let gap = 8.0
    /// Grids of at most this many rows never break across pages.
    static let unbrokenRows = 3
    /// The share of its size a one-row figure keeps at least when squeezed to fit a page.
    static let squeeze = 0.8

    func fragments(_ figure: Figure) throws -> [Fragment] {
        guard !figure.cells.isEmpty else { throw ReportError.invalidDocument("figure '\(figure.caption)' has no images") }
        let theme = builder.theme
        let gap = FigureLayout.gap
        let barSpace = figure.colorBar == nil ? 0 : FigureLayout.colorBarSpace
        // Fewer columns when the requested ones would print the images below the minimum size.
        let fitting = Int((builder.width - barSpace + gap) / (PrintSize.minimumMap + gap))
        let columns = max(1, min(figure.columns, figure.cells.count, max(1, fitting)))
        let rows = (figure.cells.count + columns - 1) / columns
        let available = builder.width - barSpace - Double(columns - 1) * gap
        var cellWidth = min(figure.maxCellWidth, available / Double(columns))
        let aspect = figure.cells.map { Double($0.image.height) / Double($0.image.width) }.max() ?? 1
        let captionStyle = theme.caption.sized(7.5).colored(.text)
        let captionHeight = figure.cells.contains { !$0.caption.isEmpty }
            ? builder.measurer.measure(StyledText("Hg", style: captionStyle), width: 100, maxLines: 1).height * 2 + 3 : 0
        let figCaption = StyledText([TextRun("Figure. ", bold: true), TextRun(figure.caption)], style: theme.caption)
        let figCaptionHeight = figure.caption.isEmpty ? 0
            : builder.measurer.measure(figCaption, width: builder.width, maxLines: 4).height + 6
        // Shrink the images until the whole grid fits on one page (it may still break between rows to fill
        // the page before it), but never below the minimum printed size.
        func gridHeight(_ w: Double) -> Double { Double(rows) * (w * aspect + captionHeight) + Double(rows - 1) * gap }
        let limit = builder.maxHeight - figCaptionHeight - 4
        if gridHeight(cellWidth) > limit {
            let perRow = (limit - Double(rows - 1) * gap) / Double(rows) - captionHeight
            cellWidth = max(min(cellWidth, PrintSize.minimumMap), perRow / aspect)
        }
        // A single row taller than the page is shrunk to the page whatever the minimum.
        cellWidth = min(cellWidth, max(8, (limit - captionHeight) / aspect))
        let cellHeight = cellWidth * aspect
        let gridWidth = Double(columns) * cellWidth + Double(columns - 1) * gap
        let rowHeight = cellHeight + captionHeight
        let bodyWidth = builder.width
        let left = (bodyWidth - gridWidth - barSpace) / 2
        let group = builder.newGroup()

        var out: [Fragment] = []
        for row in 0..<rows {
            let cells = Array(figure.cells[(row * columns)..<min(figure.cells.count, (row + 1) * columns)])
            var f = Fragment(label: "figure row \(row + 1) \(figure.caption)", height: rowHeight,
                             spaceBefore: row == 0 ? theme.blockSpacing : gap) { ctx, rect in
                // A squeezed one-row figure draws its images smaller, centred in their cells.
                let scale = min(1, max(0.1, (rect.height - captionHeight) / cellHeight))
                for (col, cell) in cells.enumerated() {
                    let x = rect.x + left + Double(col) * (cellWidth + gap)
                    // Keep each image's own aspect ratio inside the cell box.
                    let w = cellWidth * scale
                    let h = w * Double(cell.image.height) / Double(cell.image.width)
                    let box = Rect(x: x + (cellWidth - w) / 2, y: rect.y + (cellHeight * scale - h) / 2, width: w, height: h)
                    ctx.canvas.drawImage(cell.image, in: box)
                    ctx.canvas.stroke(.rect(box), color: .rule, lineWidth: 0.4, dash: [])
                    if !cell.caption.isEmpty {
                        ctx.canvas.drawText(StyledText(cell.caption, style: captionStyle),
                                            at: Point(x - gap / 2, rect.y + cellHeight * scale + 2), width: cellWidth + gap, maxLines: 2)
                    }
                }
                // The colour bar spans this figure's rows on this page.
                if let bar = figure.colorBar, ctx.isFirstOfGroupOnPage {
                    let span = ctx.groupRect ?? rect
                    let barRect = Rect(x: rect.x + left + gridWidth + 12, y: span.y, width: 9,
                                       height: max(40, span.height - captionHeight))
                    ColorBarRenderer(canvas: ctx.canvas, theme: theme).draw(bar, in: barRect)
                }
            }
            f.group = group
            // A large single-row figure (a mosaic) may shrink a little rather than leave a page half empty.
            if rows == 1 && cellWidth * FigureLayout.squeeze >= PrintSize.minimumMap {
                f.minHeight = cellHeight * FigureLayout.squeeze + captionHeight
            }
            // A grid of up to three rows (the images of one example: an input, its maps, its heads) stays on one
            // page; a taller one has no single row alone at the top or bottom of a page. The last row keeps
            // with the caption.
            let keepsWhole = rows <= FigureLayout.unbrokenRows && row < rows - 1
            f.keepWithNext = keepsWhole || (rows > FigureLayout.unbrokenRows && (row == 0 || row == rows - 2))
                || (row == rows - 1 && !figure.caption.isEmpty)
            out.append(f)
        }
        if !figure.caption.isEmpty {
            out.append(Fragment(label: "figure caption \(figure.caption)", height: figCaptionHeight, spaceBefore: 0) { ctx, rect in
                ctx.canvas.drawText(figCaption, at: Point(rect.x, rect.y + 6), width: bodyWidth, maxLines: 4)
            })
        }
        return out
    }
}
