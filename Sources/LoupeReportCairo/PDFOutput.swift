import CCairo
import Foundation
import LoupeReport

/// Where Cairo sends a PDF's bytes.
///
/// Cairo writes through `cairo_pdf_surface_create_for_stream`: a write that fails returns
/// `CAIRO_STATUS_WRITE_ERROR`, Cairo stops writing and reports the error at `finish`, and the
/// sink keeps the reason (`No space left on device`). Cairo never sees a half-written file of its own.
public protocol PDFOutput: AnyObject {
    /// Writes every byte of `bytes`; false when that failed (the reason goes to `failure`).
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// Why a write failed, or nil while none has.
    var failure: String? { get }
}

/// A PDF written to an open file descriptor, with every failure of `write(2)` kept.
final class FileOutput: PDFOutput {
    private let descriptor: Int32
    private(set) var failure: String?

    init(descriptor: Int32) { self.descriptor = descriptor }

    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard failure == nil else { return false }
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
                return false
            }
            offset += written
        }
        return true
    }
}

/// A PDF whose bytes are dropped (layout only: text is measured on a real PDF surface).
final class DiscardedOutput: PDFOutput {
    var failure: String? { nil }
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool { true }
}

/// The write callback Cairo calls; `closure` is the `PDFOutput`, kept alive by the canvas.
let pdfOutputCallback: cairo_write_func_t = { closure, data, length in
    guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
    let output = Unmanaged<AnyObject>.fromOpaque(closure).takeUnretainedValue() as? PDFOutput
    guard let output, output.write(UnsafeRawBufferPointer(start: data, count: Int(length))) else { return CAIRO_STATUS_WRITE_ERROR }
    return CAIRO_STATUS_SUCCESS
}

/// A rough size of a document's PDF, to refuse a file system that cannot hold it before drawing.
enum PDFSizeEstimate {
    /// Fonts and page structure, whatever the content.
    static let baseBytes = 512 * 1024

    /// Base bytes plus half the raw bytes of every image (Cairo compresses them) plus a little per block.
    static func bytes(_ document: Document) -> Int {
        var total = baseBytes
        for section in document.frontSections + document.sections {
            for block in section.blocks {
                switch block {
                case .figure(let figure): total += figure.cells.reduce(0) { $0 + $1.image.pixels.count / 2 } + 4_096
                case .chart: total += 32 * 1024
                default: total += 2_048
                }
            }
        }
        return total
    }

    /// The bytes an unprivileged user may still write on the file system holding `folder`; nil when unknown.
    static func availableBytes(in folder: String) -> Int? {
        var info = statvfs()
        guard statvfs(folder, &info) == 0 else { return nil }
        let (bytes, overflow) = Int(info.f_bavail).multipliedReportingOverflow(by: Int(info.f_frsize))
        return overflow ? Int.max : bytes
    }
}
