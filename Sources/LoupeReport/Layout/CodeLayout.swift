/// Lays out preformatted monospace text: one fragment per printed line, wrapped lines indented under their start.
struct CodeLayout {
    let builder: FlowBuilder

    /// Lines at the start and at the end of a listing that never stand alone on a page.
    static let minimumLinesPerPage = 6
    /// Listings up to this many printed lines are never split.
    static let unsplitLines = 24

    func fragments(_ text: String) -> [Fragment] {
        var style = builder.theme.body.sized(8)
        style.family = .mono
        style.lineSpacing = 0.1
        let inset = 6.0
        let width = builder.width - 2 * inset
        // Monospace: every character has the width of the measured sample.
        let sample = String(repeating: "M", count: 20)
        let charWidth = max(1, builder.measurer.measure(StyledText(sample, style: style), width: 10_000, maxLines: 1).width / 20)
        let perLine = max(16, Int(width / charWidth))
        let lineHeight = builder.measurer.lineHeight(style)
        var source = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while source.count > 1, source.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { source.removeLast() }
        let printed = source.flatMap { CodeLayout.wrap($0, columns: perLine) }
        let tint = Color(hex: 0xF5F7FA)
        var out = printed.enumerated().map { i, line in
            Fragment(label: "code line \(i + 1)", height: lineHeight, spaceBefore: i == 0 ? builder.theme.blockSpacing : 0) { ctx, rect in
                ctx.canvas.fill(.rect(rect), color: tint)
                ctx.canvas.drawText(StyledText([TextRun(line, monospace: true)], style: style),
                                    at: Point(rect.x + inset, rect.y), width: width + charWidth, maxLines: 1)
            }
        }
        // Orphans and widows: the first and the last few lines stay together.
        let keep = CodeLayout.minimumLinesPerPage
        if out.count <= CodeLayout.unsplitLines {
            for k in 0..<max(0, out.count - 1) { out[k].keepWithNext = true }
        } else {
            for k in 0..<(keep - 1) { out[k].keepWithNext = true }
            for k in (out.count - keep)..<(out.count - 1) { out[k].keepWithNext = true }
        }
        return out
    }

    /// `line` cut into pieces of at most `columns` characters, preferring breaks after spaces, commas and
    /// colons; continuation pieces start under the line's own indentation plus four spaces.
    static func wrap(_ line: String, columns: Int) -> [String] {
        let chars = Array(line)
        guard chars.count > columns else { return [line] }
        let indent = min(chars.prefix { $0 == " " }.count + 4, columns / 2)
        var pieces: [String] = []
        var start = 0
        var room = columns
        while chars.count - start > room {
            var cut = start + room
            // Break after the last space, comma or colon in the piece, unless that leaves it very short.
            if let soft = (start..<cut).last(where: { [" ", ",", ":"].contains(chars[$0]) }), soft + 1 - start > room / 3 {
                cut = soft + 1
            }
            let piece = String(chars[start..<cut])
            pieces.append(pieces.isEmpty ? piece : String(repeating: " ", count: indent) + piece.drop { $0 == " " })
            start = cut
            while start < chars.count && chars[start] == " " && !pieces.isEmpty { start += 1 }
            room = columns - indent
        }
        if start < chars.count { pieces.append(String(repeating: " ", count: indent) + String(chars[start...])) }
        return pieces
    }
}
