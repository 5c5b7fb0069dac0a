import CCairo
import Foundation
import LoupeReport

/// A `Canvas` drawing into a Cairo PDF surface, with text shaped by Pango.
///
/// Drawing calls cannot throw; the first Cairo failure is remembered and thrown by `endPage` or `finish`.
final class CairoCanvas: Canvas {
    private let surface: OpaquePointer
    private let cr: OpaquePointer
    private let pango: OpaquePointer
    private var failure: ReportError?
    private var outlineParents: [Int32] = []
    /// Largest integer factor small images are enlarged by before embedding.
    static let maxUpscale = 16

    /// Where the PDF's bytes go; kept alive as long as the surface that writes to it.
    private let output: PDFOutput

    /// Opens a PDF surface writing its bytes to `output`, with a first page of `size`.
    init(output: PDFOutput, size: Size) throws {
        let closure = Unmanaged.passUnretained(output as AnyObject).toOpaque()
        guard let surface = cairo_pdf_surface_create_for_stream(pdfOutputCallback, closure, size.width, size.height) else {
            throw ReportError.backend("cannot create a PDF surface")
        }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(surface)
            throw ReportError.backend("cannot create a PDF surface: \(CairoCanvas.describe(status))")
        }
        self.output = output
        guard let cr = cairo_create(surface), cairo_status(cr) == CAIRO_STATUS_SUCCESS,
              let pango = pango_cairo_create_context(cr) else {
            cairo_surface_destroy(surface)
            throw ReportError.backend("cannot create a Cairo context")
        }
        pango_cairo_context_set_resolution(pango, 72)
        self.surface = surface; self.cr = cr; self.pango = pango
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
    }

    deinit {
        g_object_unref(UnsafeMutableRawPointer(pango))
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    /// Sets a PDF metadata entry.
    func setMetadata(_ key: cairo_pdf_metadata_t, _ value: String) {
        cairo_pdf_surface_set_metadata(surface, key, value)
    }

    /// Finishes the document: flushes every page and checks that the file was written.
    func finish() throws {
        try check("drawing")
        cairo_surface_finish(surface)
        if let reason = output.failure { throw ReportError.io(path: "", reason: "cannot write the PDF (\(reason))") }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw ReportError.backend("writing the PDF failed: \(CairoCanvas.describe(status))") }
    }

    static func describe(_ status: cairo_status_t) -> String {
        guard let s = cairo_status_to_string(status) else { return "cairo status \(status.rawValue)" }
        return String(cString: s)
    }

    private func check(_ what: String) throws {
        // A failed write puts Cairo in an error state too; the output's reason says more.
        if let reason = output.failure { throw ReportError.io(path: "", reason: "cannot write the PDF (\(reason))") }
        if let failure { throw failure }
        let status = cairo_status(cr)
        if status != CAIRO_STATUS_SUCCESS { throw ReportError.backend("\(what): \(CairoCanvas.describe(status))") }
    }

    private func remember(_ error: ReportError) { if failure == nil { failure = error } }

    // MARK: Canvas

    func measure(_ text: StyledText, width: Double, maxLines: Int) -> TextMetrics {
        guard let layout = PangoText.layout(text, width: width, maxLines: maxLines, context: pango) else {
            remember(.backend("cannot create a Pango layout")); return TextMetrics(width: 0, lineHeights: [text.style.size])
        }
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        return PangoText.metrics(layout)
    }

    func beginPage(size: Size) throws {
        cairo_pdf_surface_set_size(surface, size.width, size.height)
        try check("starting a page")
    }

    func endPage() throws {
        cairo_show_page(cr)
        try check("finishing a page")
    }

    func drawText(_ text: StyledText, at origin: Point, width: Double, maxLines: Int, angle: Double) {
        guard let layout = PangoText.layout(text, width: width, maxLines: maxLines, context: pango) else {
            remember(.backend("cannot create a Pango layout")); return
        }
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        let c = text.style.color
        cairo_save(cr)
        cairo_translate(cr, origin.x, origin.y)
        if angle != 0 { cairo_rotate(cr, -angle * .pi / 180) }
        cairo_set_source_rgba(cr, c.red, c.green, c.blue, c.alpha)
        cairo_move_to(cr, 0, 0)
        pango_cairo_update_layout(cr, layout)
        pango_cairo_show_layout(cr, layout)
        cairo_restore(cr)
        if angle != 0 { pango_cairo_update_context(cr, pango) }
        if angle == 0 { addRunLinks(text, layout: layout, origin: origin, width: width) }
    }

    /// Turns the runs that carry links into link annotations over their glyphs.
    private func addRunLinks(_ text: StyledText, layout: OpaquePointer, origin: Point, width: Double) {
        var offset = 0
        for run in text.runs {
            let bytes = run.text.utf8.count
            defer { offset += bytes }
            guard let target = run.link, bytes > 0, let last = run.text.last else { continue }
            let lastStart = offset + bytes - String(last).utf8.count
            for r in PangoText.rects(layout, start: offset, lastCharStart: lastStart, width: width) where r.width > 0 {
                addLink(target, rect: Rect(x: origin.x + r.x, y: origin.y + r.y, width: r.width, height: r.height))
            }
        }
    }

    private func build(_ path: Path) {
        cairo_new_path(cr)
        for element in path.elements {
            switch element {
            case .move(let p): cairo_move_to(cr, p.x, p.y)
            case .line(let p): cairo_line_to(cr, p.x, p.y)
            case let .curve(a, b, p): cairo_curve_to(cr, a.x, a.y, b.x, b.y, p.x, p.y)
            case .close: cairo_close_path(cr)
            }
        }
    }

    func fill(_ path: Path, color: Color) {
        build(path)
        cairo_set_source_rgba(cr, color.red, color.green, color.blue, color.alpha)
        cairo_fill(cr)
    }

    func fillDots(_ centers: [Point], radius: Double, color: Color) {
        // Zero-length segments with round caps render as discs: 2 coordinates per point instead of 26.
        cairo_new_path(cr)
        for c in centers {
            cairo_move_to(cr, c.x, c.y)
            cairo_line_to(cr, c.x, c.y)
        }
        cairo_set_source_rgba(cr, color.red, color.green, color.blue, color.alpha)
        cairo_set_line_width(cr, 2 * radius)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
        cairo_stroke(cr)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
    }

    func stroke(_ path: Path, color: Color, lineWidth: Double, dash: [Double]) {
        build(path)
        cairo_set_source_rgba(cr, color.red, color.green, color.blue, color.alpha)
        cairo_set_line_width(cr, lineWidth)
        dash.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32(dash.count), 0) }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    func drawImage(_ image: RasterImage, in rect: Rect) {
        let factor = CairoCanvas.upscaleFactor(native: image.width, displayed: rect.width)
        let big = image.upscaled(by: factor)
        guard let surface = ImageSurface.make(big) else {
            remember(.backend("cannot create a \(big.width)x\(big.height) image surface")); return
        }
        defer { cairo_surface_destroy(surface) }
        cairo_save(cr)
        cairo_translate(cr, rect.x, rect.y)
        cairo_scale(cr, rect.width / Double(big.width), rect.height / Double(big.height))
        cairo_set_source_surface(cr, surface, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_rectangle(cr, 0, 0, Double(big.width), Double(big.height))
        cairo_fill(cr)
        cairo_restore(cr)
    }

    /// The integer factor an image of `native` pixels is enlarged by when shown `displayed` points wide.
    ///
    /// Images shown larger than their pixel size are enlarged so each source pixel covers at most ~0.5 pt;
    /// viewers then keep them crisp. Images shown at or below their size are embedded as they are.
    static func upscaleFactor(native: Int, displayed: Double) -> Int {
        guard native > 0, displayed > Double(native) else { return 1 }
        return min(maxUpscale, max(1, Int((2 * displayed / Double(native)).rounded(.up))))
    }

    func pushClip(_ rect: Rect) {
        cairo_save(cr)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(cr)
    }

    func popClip() { cairo_restore(cr) }

    func addDestination(_ name: String, at point: Point) {
        let attrs = "name='\(CairoCanvas.quote(name))' x=\(point.x) y=\(point.y)"
        cairo_tag_begin(cr, CAIRO_TAG_DEST, attrs)
        cairo_tag_end(cr, CAIRO_TAG_DEST)
    }

    func addLink(_ target: LinkTarget, rect: Rect) {
        let where_: String
        switch target {
        case .destination(let name): where_ = "dest='\(CairoCanvas.quote(name))'"
        case .uri(let uri): where_ = "uri='\(CairoCanvas.quote(uri))'"
        }
        let attrs = "rect=[\(rect.x) \(rect.y) \(rect.width) \(rect.height)] \(where_)"
        cairo_tag_begin(cr, CAIRO_TAG_LINK, attrs)
        cairo_tag_end(cr, CAIRO_TAG_LINK)
    }

    func addOutlineEntry(title: String, level: Int, destination name: String) {
        let depth = max(1, level)
        if outlineParents.count >= depth { outlineParents.removeLast(outlineParents.count - depth + 1) }
        let parent = outlineParents.last ?? Int32(CAIRO_PDF_OUTLINE_ROOT)
        let id = cairo_pdf_surface_add_outline(surface, parent, title, "dest='\(CairoCanvas.quote(name))'",
                                               cairo_pdf_outline_flags_t(0))
        while outlineParents.count < depth - 1 { outlineParents.append(parent) }
        outlineParents.append(id)
    }

    /// Escapes a value for a single-quoted Cairo tag attribute.
    static func quote(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
    }
}
