import Foundation

/// The marks of line, bar, scatter and histogram charts.
extension ChartRenderer {
    func drawLine(_ chart: Chart, series: [LineSeries], logY: Bool, in rect: Rect) {
        let all = series.flatMap(\.points).filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) }
        let xs = all.map(\.0), ys = all.map(\.1)
        let xDomain = (xs.min() ?? 0)...(max(xs.max() ?? 1, (xs.min() ?? 0)))
        let yAxis: AxisKind
        if logY {
            let lo = max(1e-300, pow(10, floor(log10(ys.min() ?? 1)))), hi = min(1e300, pow(10, ceil(log10(ys.max() ?? 10))))
            yAxis = .log(lo...(hi > lo ? hi : lo * 10))
        } else {
            let covered = ys + chart.yCovers.filter(\.isFinite)
            let lo = covered.min() ?? 0, hi = covered.max() ?? 1
            yAxis = .linear(NiceTicks.niceDomain(lo...max(lo, hi), maxCount: 5))
        }
        let names = series.map(\.name)
        let legend = legendWidth(names)
        // Whole-number x values (steps, runs, epochs) get whole-number ticks.
        let integerX = !xs.isEmpty && xs.allSatisfy { $0 == $0.rounded() }
        let frame = self.frame(chart, x: .linear(xDomain, integers: integerX), y: yAxis, in: rect,
                               rightSpace: legend + (legend > 0 ? 8 : 0))
        let withMarkers = series.count >= ChartRenderer.seriesNeedingMarkers
        canvas.pushClip(frame.area.insetBy(-3, -3))
        for (i, s) in series.enumerated() {
            let pts = s.points.filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) }
                .map { Point(frame.px($0.0), frame.py($0.1)) }
            var path = Path(); path.addPolyline(pts)
            canvas.stroke(path, color: CategoricalPalette.color(i), lineWidth: 1.4, dash: s.dashed ? [4, 2] : [])
            // With many series, each line also carries its own marker shape at a dozen evenly spaced points.
            if withMarkers && !pts.isEmpty {
                var marks = Path()
                let step = max(1, pts.count / 12)
                for p in stride(from: 0, to: pts.count, by: step) { MarkerShape.forIndex(i).add(to: &marks, at: pts[p], radius: 2.1) }
                canvas.fill(marks, color: CategoricalPalette.color(i))
            }
        }
        canvas.popClip()
        let entries = series.enumerated().map { ($0.element.name, CategoricalPalette.color($0.offset), $0.element.dashed) }
        drawLegend(entries, swatch: withMarkers ? .lineAndMarker : .line,
                   in: Rect(x: rect.maxX - legend, y: frame.area.y, width: legend, height: frame.area.height))
    }

    func drawBars(_ chart: Chart, categories: [String], series: [String], values: [[Double]], in rect: Rect) {
        let flat = values.flatMap { $0 }.filter(\.isFinite)
        let domain = NiceTicks.niceDomain(min(0, flat.min() ?? 0)...max(0, flat.max() ?? 1), maxCount: 5)
        let legend = series.count > 1 ? legendWidth(series) : 0
        let frame = self.frame(chart, x: .categories(categories), y: .linear(domain), in: rect,
                               rightSpace: legend + (legend > 0 ? 8 : 0))
        let group = frame.bandWidth * 0.78
        let barWidth = group / Double(max(1, series.count))
        for (s, row) in values.enumerated() {
            var path = Path()
            for (c, v) in row.enumerated() where c < categories.count && v.isFinite {
                let x = frame.area.x + Double(c) * frame.bandWidth + (frame.bandWidth - group) / 2 + Double(s) * barWidth
                let y0 = frame.py(0), y1 = frame.py(v)
                path.addRect(Rect(x: x + 0.4, y: min(y0, y1), width: max(0.5, barWidth - 0.8), height: abs(y1 - y0)))
            }
            canvas.fill(path, color: CategoricalPalette.color(s))
        }
        if legend > 0 {
            let entries = series.enumerated().map { ($0.element, CategoricalPalette.color($0.offset), false) }
            drawLegend(entries, swatch: .square, in: Rect(x: rect.maxX - legend, y: frame.area.y, width: legend, height: frame.area.height))
        }
    }

    func drawScatter(_ chart: Chart, points: [ScatterPoint], classNames: [String], in rect: Rect) {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        let xDomain = NiceTicks.niceDomain((finite.map(\.x).min() ?? 0)...(finite.map(\.x).max() ?? 1), maxCount: 10)
        let yDomain = NiceTicks.niceDomain((finite.map(\.y).min() ?? 0)...(finite.map(\.y).max() ?? 1), maxCount: 8)
        let legend = legendWidth(classNames)
        let frame = self.frame(chart, x: .linear(xDomain), y: .linear(yDomain), in: rect, rightSpace: legend + (legend > 0 ? 8 : 0))
        let classCount = max(classNames.count, (finite.map(\.classIndex).max() ?? -1) + 1)
        let radius = finite.count > 3000 ? 1.2 : 1.9
        // Points are drawn in a seeded random order so no class always lies on top; batches of a few hundred,
        // one path per class and batch, keep the PDF small.
        var shuffle = SplitMix64(seed: 0x5CA7_7E12)
        let order = shuffle.permutation(finite.count)
        canvas.pushClip(frame.area.insetBy(-2, -2))
        for start in stride(from: 0, to: order.count, by: ChartRenderer.scatterBatch) {
            var paths = [Path](repeating: Path(), count: max(1, classCount))
            var dots = [[Point]](repeating: [], count: max(1, classCount))
            for k in order[start..<min(order.count, start + ChartRenderer.scatterBatch)] {
                let p = finite[k]
                guard p.classIndex >= 0 && p.classIndex < classCount else { continue }
                let centre = Point(frame.px(p.x), frame.py(p.y))
                let shape = MarkerShape.forIndex(p.classIndex)
                if shape == .circle { dots[p.classIndex].append(centre) } else { shape.add(to: &paths[p.classIndex], at: centre, radius: radius) }
            }
            for c in 0..<classCount {
                let color = CategoricalPalette.color(c).withAlpha(0.75)
                if !dots[c].isEmpty { canvas.fillDots(dots[c], radius: radius, color: color) }
                if !paths[c].elements.isEmpty { canvas.fill(paths[c], color: color) }
            }
        }
        canvas.popClip()
        let entries = classNames.enumerated().map { ($0.element, CategoricalPalette.color($0.offset), false) }
        drawLegend(entries, swatch: .marker, in: Rect(x: rect.maxX - legend, y: frame.area.y, width: legend, height: frame.area.height))
    }

    func drawHistogram(_ chart: Chart, values: [Double], bins: Int, in rect: Rect) {
        // Values beyond ±1e300 would overflow the bin arithmetic; they are left out like NaN.
        let finite = values.filter { $0.isFinite && abs($0) < 1e300 }
        let n = min(max(1, bins), 10_000)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if hi <= lo { lo -= 0.5; hi += 0.5 }
        var counts = [Double](repeating: 0, count: n)
        for v in finite {
            let t = (v - lo) / (hi - lo) * Double(n)
            guard t.isFinite else { continue }
            counts[min(n - 1, max(0, Int(t)))] += 1
        }
        let yDomain = NiceTicks.niceDomain(0...max(1, counts.max() ?? 1), maxCount: 5)
        let frame = self.frame(chart, x: .linear(lo...hi), y: .linear(yDomain), in: rect, rightSpace: 4)
        var path = Path()
        let step = (hi - lo) / Double(n)
        for (i, c) in counts.enumerated() where c > 0 {
            let x0 = frame.px(lo + Double(i) * step), x1 = frame.px(lo + Double(i + 1) * step)
            path.addRect(Rect(x: x0, y: frame.py(c), width: max(0.3, x1 - x0 - 0.3), height: frame.py(0) - frame.py(c)))
        }
        canvas.fill(path, color: CategoricalPalette.color(0).withAlpha(0.85))
    }

    func drawHeatmap(_ chart: Chart, values: [[Double]], rowLabels: [String], columnLabels: [String], colorMap: ColorMap,
                     range: ClosedRange<Double>?, annotate: Bool, in rect: Rect) {
        let rows = values.count, cols = values.map(\.count).max() ?? 0
        guard rows > 0, cols > 0 else { return }
        let flat = values.flatMap { $0 }.filter(\.isFinite)
        // An explicit range must be finite; else the finite cells' own range is used.
        let r = range.flatMap { $0.lowerBound.isFinite && $0.upperBound.isFinite ? $0 : nil }
            ?? ((flat.min() ?? 0)...max(flat.max() ?? 1, flat.min() ?? 0))
        let style = theme.chartLabel.colored(.text)
        let lh = canvas.lineHeight(style)
        let labelWidth = min(90, (rowLabels.map { canvas.measure(StyledText($0, style: style), width: 400, maxLines: 1).width }.max() ?? 0) + 6)
        let titleLeft = chart.yLabel.isEmpty ? 0 : lh + 4
        let availW = rect.width - titleLeft - labelWidth - FigureLayout.colorBarSpace
        // Column names that do not fit their column get a second line, or are all turned upright when a word is wider
        // than the column (so no name is set smaller or broken inside a word).
        let columnWidth = max(1, min(availW / Double(cols), 48))
        let columnNames = Array(columnLabels.prefix(cols))
        let turned = namesNeedTurning(columnNames, style: style, width: columnWidth - 2)
        let nameLines = turned ? 1 : axisNameLines(columnNames, style: style, width: columnWidth)
        let namesHeight = turned ? turnedNamesLength(columnNames, style: style) : Double(nameLines) * lh
        let bottomSpace = namesHeight + 6 + (chart.xLabel.isEmpty ? 0 : lh + 4)
        let availH = rect.height - bottomSpace
        // Rows share the height; columns may be wider than tall (up to 48 pt) when there are few of them.
        let cellH = max(1, min(availH / Double(rows), availW / Double(cols)))
        let cellW = max(1, min(availW / Double(cols), max(cellH, 48)))
        let grid = Rect(x: rect.x + titleLeft + labelWidth + (availW - cellW * Double(cols)) / 2, y: rect.y,
                        width: cellW * Double(cols), height: cellH * Double(rows))
        let annotateCells = annotate && rows <= 24 && cols <= 24 && cellW >= 22 && cellH >= 9
        let cellStyle = theme.chartLabel.sized(min(7.5, cellH / 2.2, cellW / 4)).aligned(.center)
        let cellLH = canvas.lineHeight(cellStyle)
        // Counts (all whole numbers) print without decimals.
        let isCounts = values.allSatisfy { $0.allSatisfy { !$0.isFinite || $0 == $0.rounded() } }
        let cellFormat: NumberFormat = isCounts ? .integer : .decimal(places: 2)
        for (i, row) in values.enumerated() {
            for (j, v) in row.enumerated() {
                let box = Rect(x: grid.x + Double(j) * cellW, y: grid.y + Double(i) * cellH, width: cellW, height: cellH)
                let color = v.isFinite ? colorMap.color(for: v, in: r) : Color(hex: 0x999999)
                canvas.fill(.rect(Rect(x: box.x, y: box.y, width: box.width + 0.3, height: box.height + 0.3)), color: color)
                if annotateCells {
                    // A left-out cell (NaN, e.g. a confusion matrix's diagonal) stays grey and unlabelled; zeros stay blank.
                    let label = v.isFinite && v != 0 ? cellFormat.format(v) : ""
                    canvas.drawText(StyledText(label, style: cellStyle.colored(color.luminance < 0.5 ? .white : .text)),
                                    at: Point(box.x, box.y + (cellH - cellLH) / 2), width: cellW, maxLines: 1)
                }
            }
        }
        canvas.stroke(.rect(grid), color: .muted, lineWidth: 0.5, dash: [])
        // Row names take two lines where the rows are tall enough.
        let rowLines = cellH >= 2 * lh ? 2 : 1
        for (i, name) in rowLabels.prefix(rows).enumerated() where cellH >= lh * 0.9 {
            let text = axisName(name, style: style.aligned(.right), width: labelWidth - 4)
            let lines = min(rowLines, canvas.measure(text, width: labelWidth - 4, maxLines: rowLines).lineHeights.count)
            canvas.drawText(text, at: Point(grid.x - labelWidth, grid.y + (Double(i) + 0.5) * cellH - Double(lines) * lh / 2),
                            width: labelWidth - 4, maxLines: rowLines)
        }
        for (j, name) in columnNames.enumerated() where cellW >= (turned ? lh * 0.9 : 10) {
            if turned {
                drawTurnedName(name, style: style, centerX: grid.x + (Double(j) + 0.5) * cellW, top: grid.maxY + 3,
                               length: namesHeight, columnWidth: cellW)
            } else {
                canvas.drawText(axisName(name, style: style.aligned(.center), width: cellW),
                                at: Point(grid.x + Double(j) * cellW, grid.maxY + 3), width: cellW, maxLines: nameLines)
            }
        }
        let titleStyle = style.aligned(.center)
        if !chart.xLabel.isEmpty {
            canvas.drawText(StyledText(chart.xLabel, style: titleStyle), at: Point(grid.x, grid.maxY + namesHeight + 6),
                            width: grid.width, maxLines: 1)
        }
        if !chart.yLabel.isEmpty {
            canvas.drawText(StyledText(chart.yLabel, style: titleStyle), at: Point(grid.x - labelWidth - titleLeft, grid.maxY),
                            width: grid.height, maxLines: 1, angle: 90)
        }
        ColorBarRenderer(canvas: canvas, theme: theme).draw(ColorBar(colorMap: colorMap, range: r),
                                                           in: Rect(x: grid.maxX + 12, y: grid.y, width: 9, height: grid.height))
    }
}
