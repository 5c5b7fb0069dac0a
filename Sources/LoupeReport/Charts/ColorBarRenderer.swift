/// Draws a vertical colour bar with nice tick labels on its right and an optional rotated label.
public struct ColorBarRenderer {
    let canvas: Canvas
    let theme: Theme

    /// Creates a renderer drawing on `canvas`.
    public init(canvas: Canvas, theme: Theme) { self.canvas = canvas; self.theme = theme }

    /// Draws `bar` into `rect` (the coloured strip; labels extend ~45 pt to the right).
    public func draw(_ bar: ColorBar, in rect: Rect) {
        let bands = 64
        let bandHeight = rect.height / Double(bands)
        for i in 0..<bands {
            let t = (Double(i) + 0.5) / Double(bands)
            let y = rect.maxY - Double(i + 1) * bandHeight
            // Overlap by a hair so no seams show between bands.
            canvas.fill(.rect(Rect(x: rect.x, y: y - 0.2, width: rect.width, height: bandHeight + 0.4)),
                        color: bar.colorMap.color(at: t))
        }
        canvas.stroke(.rect(rect), color: .muted, lineWidth: 0.4, dash: [])
        let style = theme.chartLabel
        let lh = canvas.lineHeight(style)
        // A NaN or infinite end has no position and no honest label: the bar says so instead of printing "nan".
        guard bar.range.lowerBound.isFinite && bar.range.upperBound.isFinite else {
            canvas.drawText(StyledText("range not finite", style: style), at: Point(rect.maxX + 4, rect.y + rect.height / 2 - lh), width: 36, maxLines: 2)
            return
        }
        let scale = LinearScale(domain: bar.range, from: rect.maxY, to: rect.y)
        // Both ends are always labelled (ColorBarLabels), so a bar never shows a lone "0".
        for tick in ColorBarLabels.labels(bar.range, height: rect.height, lineHeight: lh) {
            let y = scale.map(tick.value)
            canvas.stroke(.segment(Point(rect.maxX, y), Point(rect.maxX + 2.5, y)), color: .muted, lineWidth: 0.4, dash: [])
            canvas.drawLabel(tick.text, style: style, at: Point(rect.maxX + 4, y - lh / 2), width: 36)
        }
        if !bar.label.isEmpty {
            // Rotated 90° counter-clockwise, reading bottom to top, centred on the bar.
            let labelWidth = rect.height
            canvas.drawText(StyledText(bar.label, style: style.aligned(.center)),
                            at: Point(rect.maxX + 40, rect.maxY), width: labelWidth, maxLines: 1, angle: 90)
        }
    }
}
