import CCairo
import Foundation
import LoupeReport

/// Renders a `Document` to a PDF file with Cairo and Pango.
///
/// The file is written under a temporary name next to `path`, through a stream whose write errors
/// Loupe sees, and renamed into place only after Cairo finished it successfully, so a failed run
/// (a full disk included) never leaves a truncated report behind.
public struct CairoPDFRenderer {
    public var theme: Theme

    /// Creates a renderer.
    public init(theme: Theme = Theme()) { self.theme = theme }

    /// Renders `document` to `path` on pages of `pageSize`; returns the layout (page count, headings).
    ///
    /// The file system must hold at least `PDFSizeEstimate` bytes; every write is checked (a full disk
    /// gives an I/O error, never a Cairo assertion), and on any failure the temporary file is removed.
    @discardableResult
    public func render(_ document: Document, to path: String, pageSize: PageSize = .a4) throws -> LaidOutDocument {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReportError.io(path: path, reason: "folder \(directory) does not exist")
        }
        let needed = PDFSizeEstimate.bytes(document)
        if let available = PDFSizeEstimate.availableBytes(in: directory), available < needed {
            throw ReportError.io(path: path, reason: "not enough free space: \(Self.megabytes(available)) free, the report needs about \(Self.megabytes(needed))")
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ReportError.io(path: path, reason: "cannot create the file (\(String(cString: strerror(errno))))")
        }
        let output = FileOutput(descriptor: descriptor)
        var isOpen = true
        do {
            let laid = try render(document, into: output, pageSize: pageSize)
            // Some file systems (NFS) report a failed write only when the file is closed.
            isOpen = false
            guard close(descriptor) == 0 else {
                throw ReportError.io(path: path, reason: "cannot write the PDF (\(String(cString: strerror(errno))))")
            }
            if rename(temporary, path) != 0 {
                throw ReportError.io(path: path, reason: "cannot move the finished file into place: \(String(cString: strerror(errno)))")
            }
            return laid
        } catch {
            if isOpen { close(descriptor) }
            unlink(temporary)
            if case .io(_, let reason) = error as? ReportError { throw ReportError.io(path: path, reason: reason) }
            throw error
        }
    }

    /// Renders `document` as a PDF into `output`; a failed write throws `ReportError.io` with the output's reason.
    @discardableResult
    public func render(_ document: Document, into output: PDFOutput, pageSize: PageSize = .a4) throws -> LaidOutDocument {
        let canvas = try CairoCanvas(output: output, size: pageSize.size)
        setMetadata(document, on: canvas)
        let laid = try DocumentRenderer(pageSize: pageSize, theme: theme).render(document, on: canvas)
        try canvas.finish()
        return laid
    }

    /// Lays `document` out without keeping a PDF (heading pages, page count), measuring text exactly as `render` does.
    public func layout(_ document: Document, pageSize: PageSize = .a4) throws -> LaidOutDocument {
        let canvas = try CairoCanvas(output: DiscardedOutput(), size: pageSize.size)
        let laid = try DocumentRenderer(pageSize: pageSize, theme: theme).layout(document, measurer: canvas)
        try canvas.finish()
        return laid
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }

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
