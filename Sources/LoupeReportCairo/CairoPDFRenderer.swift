import CCairo
import Foundation
import LoupeReport

/// Renders a `Document` to a PDF file with Cairo and Pango.
///
/// The file is written under a temporary name next to `path` and renamed into place only after Cairo
/// finished it successfully, so a failed run never leaves a truncated report behind.
public struct CairoPDFRenderer {
    public var theme: Theme

    /// Creates a renderer.
    public init(theme: Theme = Theme()) { self.theme = theme }

    /// Renders `document` to `path` on pages of `pageSize`; returns the layout (page count, headings).
    @discardableResult
    public func render(_ document: Document, to path: String, pageSize: PageSize = .a4) throws -> LaidOutDocument {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReportError.io(path: path, reason: "folder \(directory) does not exist")
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)").path
        do {
            let laid: LaidOutDocument
            do {
                let canvas = try CairoCanvas(path: temporary, size: pageSize.size)
                setMetadata(document, on: canvas)
                laid = try DocumentRenderer(pageSize: pageSize, theme: theme).render(document, on: canvas)
                try canvas.finish()
            }
            if rename(temporary, path) != 0 {
                throw ReportError.io(path: path, reason: "cannot move the finished file into place: \(String(cString: strerror(errno)))")
            }
            return laid
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Lays `document` out without keeping a PDF (heading pages, page count), measuring text exactly as `render` does.
    public func layout(_ document: Document, pageSize: PageSize = .a4) throws -> LaidOutDocument {
        let scratch = NSTemporaryDirectory() + "/.loupe-layout-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).pdf"
        defer { unlink(scratch) }
        let laid: LaidOutDocument
        do {
            let canvas = try CairoCanvas(path: scratch, size: pageSize.size)
            laid = try DocumentRenderer(pageSize: pageSize, theme: theme).layout(document, measurer: canvas)
            try canvas.finish()
        }
        return laid
    }

    /// The creator string written into the PDF.
    public static func creator(version: String) -> String { "Loupe \(version)" }

    /// ISO 8601 date in UTC as Cairo expects, e.g. `2024-05-01T12:00:00Z`.
    public static func pdfDate(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return f.string(from: date)
    }

    private func setMetadata(_ document: Document, on canvas: CairoCanvas) {
        canvas.setMetadata(CAIRO_PDF_METADATA_TITLE, document.title)
        if !document.author.isEmpty { canvas.setMetadata(CAIRO_PDF_METADATA_AUTHOR, document.author) }
        if !document.subject.isEmpty { canvas.setMetadata(CAIRO_PDF_METADATA_SUBJECT, document.subject) }
        if !document.keywords.isEmpty { canvas.setMetadata(CAIRO_PDF_METADATA_KEYWORDS, document.keywords.joined(separator: ", ")) }
        canvas.setMetadata(CAIRO_PDF_METADATA_CREATOR, CairoPDFRenderer.creator(version: document.generatorVersion))
        let date = CairoPDFRenderer.pdfDate(document.date)
        canvas.setMetadata(CAIRO_PDF_METADATA_CREATE_DATE, date)
        canvas.setMetadata(CAIRO_PDF_METADATA_MOD_DATE, date)
    }
}
