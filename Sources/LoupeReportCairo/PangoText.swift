import CCairo
import LoupeReport

/// Builds Pango layouts from styled text: font description, escaped markup, wrapping and ellipsis.
struct PangoText {
    /// Font families by style family; all DejaVu, found through fontconfig.
    static func familyName(_ family: FontFamily) -> String {
        switch family {
        case .sans: return "DejaVu Sans"
        case .serif: return "DejaVu Serif"
        case .mono: return "DejaVu Sans Mono"
        }
    }

    /// Characters that reorder the text around them (U+202E turns "abc" into "cba"); data never gets to.
    static let bidiControls: Set<UInt32> = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                                            0x2066, 0x2067, 0x2068, 0x2069]

    /// Escapes the five markup characters so data always prints literally, and neutralises bidi controls.
    ///
    /// A bidi control becomes U+FFFD (the replacement character, the same three UTF-8 bytes; U+061C's two
    /// bytes become two spaces), so the text keeps its order, the reader sees that something was there,
    /// and byte offsets into the text stay valid.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "'": out += "&#39;"
            case "\"": out += "&quot;"
            case _ where bidiControls.contains(ch.value):
                out += ch.utf8.count == 3 ? "\u{FFFD}" : String(repeating: " ", count: ch.utf8.count)
            default:
                // Control characters other than newline and tab are invalid in markup: print a space instead
                // (same UTF-8 length, so byte offsets into the text stay valid).
                out.unicodeScalars.append(ch.value < 0x20 && ch != "\n" && ch != "\t" ? " " : ch)
            }
        }
        return out
    }

    /// Pango markup for the runs of `text`; base font and colour come from the layout and the Cairo source.
    static func markup(_ text: StyledText) -> String {
        var out = ""
        for run in text.runs where !run.text.isEmpty {
            var attrs = ""
            if run.bold { attrs += " font_weight='bold'" }
            if run.italic { attrs += " font_style='italic'" }
            if run.monospace { attrs += " font_family='\(familyName(.mono))'" }
            if let c = run.color { attrs += " foreground='\(c.hexString)'" }
            else if run.link != nil { attrs += " foreground='\(Color.accent.hexString)'" }
            if run.link != nil { attrs += " underline='single'" }
            let body = escape(run.text)
            out += attrs.isEmpty ? body : "<span\(attrs)>\(body)</span>"
        }
        return out
    }

    /// A new layout in `context` holding `text` wrapped to `width` points, cut after `maxLines` (> 0).
    static func layout(_ text: StyledText, width: Double, maxLines: Int, context: OpaquePointer) -> OpaquePointer? {
        guard let layout = pango_layout_new(context) else { return nil }
        let style = text.style
        if let desc = pango_font_description_new() {
            pango_font_description_set_family(desc, familyName(style.family))
            pango_font_description_set_weight(desc, style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
            pango_font_description_set_style(desc, style.italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL)
            pango_font_description_set_size(desc, Int32((style.size * Double(PANGO_SCALE)).rounded()))
            pango_layout_set_font_description(layout, desc)
            pango_font_description_free(desc)
        }
        pango_layout_set_width(layout, Int32(max(1, width) * Double(PANGO_SCALE)))
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
        pango_layout_set_spacing(layout, Int32(style.size * style.lineSpacing * Double(PANGO_SCALE)))
        switch style.alignment {
        case .left: pango_layout_set_alignment(layout, PANGO_ALIGN_LEFT)
        case .center: pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER)
        case .right: pango_layout_set_alignment(layout, PANGO_ALIGN_RIGHT)
        }
        if maxLines > 0 {
            pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END)
            pango_layout_set_height(layout, Int32(-maxLines))
        }
        pango_layout_set_markup(layout, markup(text), -1)
        return layout
    }

    /// Widest line and per-line heights of a layout, in points; heights tile the layout exactly.
    static func metrics(_ layout: OpaquePointer) -> TextMetrics {
        var ink = PangoRectangle(), logical = PangoRectangle()
        pango_layout_get_extents(layout, &ink, &logical)
        let scale = Double(PANGO_SCALE)
        var tops: [Double] = []
        var starts: [Int] = []
        if let iter = pango_layout_get_iter(layout) {
            repeat {
                var y0: Int32 = 0, y1: Int32 = 0
                pango_layout_iter_get_line_yrange(iter, &y0, &y1)
                tops.append(Double(y0) / scale)
                starts.append(Int(pango_layout_iter_get_index(iter)))
            } while pango_layout_iter_next_line(iter) != 0
            pango_layout_iter_free(iter)
        }
        let total = Double(logical.height) / scale
        var heights: [Double] = []
        for (i, top) in tops.enumerated() {
            heights.append((i + 1 < tops.count ? tops[i + 1] : total) - top)
        }
        return TextMetrics(width: Double(logical.width) / scale, lineHeights: heights.isEmpty ? [total] : heights,
                           lineStarts: heights.isEmpty ? [] : starts)
    }

    /// Rectangles (layout coordinates, points) covered by the UTF-8 byte range `start..<end` of the layout's text.
    static func rects(_ layout: OpaquePointer, start: Int, lastCharStart: Int, width: Double) -> [Rect] {
        let scale = Double(PANGO_SCALE)
        var a = PangoRectangle(), b = PangoRectangle()
        pango_layout_index_to_pos(layout, Int32(start), &a)
        pango_layout_index_to_pos(layout, Int32(lastCharStart), &b)
        let ax = Double(a.x) / scale, ay = Double(a.y) / scale, ah = Double(a.height) / scale
        let bx = Double(b.x + b.width) / scale, by = Double(b.y) / scale, bh = Double(b.height) / scale
        if abs(ay - by) < 0.5 { return [Rect(x: min(ax, bx), y: ay, width: abs(bx - ax), height: ah)] }
        var out = [Rect(x: ax, y: ay, width: max(0, width - ax), height: ah)]
        if by - (ay + ah) > 0.5 { out.append(Rect(x: 0, y: ay + ah, width: width, height: by - ay - ah)) }
        out.append(Rect(x: 0, y: by, width: bx, height: bh))
        return out
    }
}
