/// Lays out an image grid with captions and an optional colour bar as one unsplittable fragment.
struct FigureLayout {
    let builder: FlowBuilder

    /// Width reserved on the right for a colour bar and its labels.
    static let colorBarSpace = 74.0

    func fragment(_ figure: Figure) throws -> Fragment {
        guard !figure.cells.isEmpty else { throw ReportError.invalidDocument("figure '\(figure.caption)' has no images") }
        let theme = builder.theme
        let gap = 8.0
        let columns = min(figure.columns, figure.cells.count)
        let rows = (figure.cells.count + columns - 1) / columns
        let barSpace = figure.colorBar == nil ? 0 : FigureLayout.colorBarSpace
        let available = builder.width - barSpace - Double(columns - 1) * gap
        var cellWidth = min(figure.maxCellWidth, available / Double(columns))
        let aspect = figure.cells.map { Double($0.image.height) / Double($0.image.width) }.max() ?? 1
        let captionStyle = theme.caption.sized(7.5).colored(.text)
        let captionHeight = figure.cells.contains { !$0.caption.isEmpty }
            ? builder.measurer.measure(StyledText("Hg", style: captionStyle), width: 100, maxLines: 1).height * 2 + 3 : 0
        let figCaption = StyledText([TextRun("Figure. ", bold: true), TextRun(figure.caption)], style: theme.caption)
        let figCaptionHeight = figure.caption.isEmpty ? 0
            : builder.measurer.measure(figCaption, width: builder.width, maxLines: 4).height + 6
        // Shrink the images until the whole grid fits on one page.
        func gridHeight(_ w: Double) -> Double { Double(rows) * (w * aspect + captionHeight) + Double(rows - 1) * gap }
        let limit = builder.maxHeight - figCaptionHeight - 4
        if gridHeight(cellWidth) > limit {
            let perRow = (limit - Double(rows - 1) * gap) / Double(rows) - captionHeight
            cellWidth = max(8, perRow / aspect)
        }
        let cellHeight = cellWidth * aspect
        let gridWidth = Double(columns) * cellWidth + Double(columns - 1) * gap
        let totalGrid = gridHeight(cellWidth)
        let height = totalGrid + figCaptionHeight
        let bodyWidth = builder.width

        return Fragment(label: "figure \(figure.caption)", height: height, spaceBefore: theme.blockSpacing) { ctx, rect in
            let left = rect.x + (bodyWidth - gridWidth - barSpace) / 2
            for (i, cell) in figure.cells.enumerated() {
                let col = i % columns, row = i / columns
                let x = left + Double(col) * (cellWidth + gap)
                let y = rect.y + Double(row) * (cellHeight + captionHeight + gap)
                // Keep each image's own aspect ratio inside the cell box.
                let a = Double(cell.image.height) / Double(cell.image.width)
                let h = cellWidth * a
                let box = Rect(x: x, y: y + (cellHeight - h) / 2, width: cellWidth, height: h)
                ctx.canvas.drawImage(cell.image, in: box)
                ctx.canvas.stroke(.rect(box), color: .rule, lineWidth: 0.4, dash: [])
                if !cell.caption.isEmpty {
                    ctx.canvas.drawText(StyledText(cell.caption, style: captionStyle),
                                        at: Point(x - gap / 2, y + cellHeight + 2), width: cellWidth + gap, maxLines: 2)
                }
            }
            if let bar = figure.colorBar {
                let barRect = Rect(x: left + gridWidth + 12, y: rect.y, width: 9, height: max(40, totalGrid - captionHeight))
                ColorBarRenderer(canvas: ctx.canvas, theme: theme).draw(bar, in: barRect)
            }
            if !figure.caption.isEmpty {
                ctx.canvas.drawText(figCaption, at: Point(rect.x, rect.y + totalGrid + 6), width: bodyWidth, maxLines: 4)
            }
        }
    }
}
