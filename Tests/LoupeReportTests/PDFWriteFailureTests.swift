import Foundation
import LoupeReport
@testable import LoupeReportCairo
import XCTest

/// A PDF whose writes fail (a full disk) gives a clean error from the renderer, never a Cairo assertion.
final class PDFWriteFailureTests: XCTestCase {
    /// An output that accepts `capacity` bytes, then fails every write with ENOSPC's message.
    final class FullDisk: PDFOutput {
        let capacity: Int
        private(set) var written = 0
        private(set) var failure: String?
        init(capacity: Int) { self.capacity = capacity }
        func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
            guard failure == nil, written + bytes.count <= capacity else {
                failure = String(cString: strerror(ENOSPC))
                return false
            }
            written += bytes.count
            return true
        }
    }

    /// A few pages of text and an image.
    func document() throws -> Document {
        let pixels = (0..<(64 * 64 * 3)).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        let image = try RasterImage(width: 64, height: 64, format: .rgb, pixels: pixels)
        let text = String(repeating: "A full disk must give one clean line. ", count: 60)
        let sections = (1...4).map { index in
            Section(title: "Part \(index)", blocks: [.paragraph([TextRun(text)]), .figure(Figure(cells: [Figure.Cell(image)], columns: 1))])
        }
        return Document(title: "Write failures", date: Date(timeIntervalSince1970: 0), sections: sections)
    }

    func testEveryWriteFailurePointGivesAnIOError() throws {
        let document = try document()
        let complete = FullDisk(capacity: .max)
        try CairoPDFRenderer().render(document, into: complete)
        XCTAssertGreaterThan(complete.written, 10_000)
        for capacity in [0, 1, 1_000, complete.written / 2, complete.written - 1] {
            XCTAssertThrowsError(try CairoPDFRenderer().render(document, into: FullDisk(capacity: capacity)), "capacity \(capacity)") { error in
                guard case .io(_, let reason)? = error as? ReportError else { return XCTFail("\(capacity): \(error)") }
                XCTAssertTrue(reason.contains("No space left on device"), reason)
            }
        }
    }

    /// A render to a path that fails half way (an inconsistent table) leaves neither the file nor its
    /// temporary sibling (a real full disk is tested on the whole pipeline, `DiskFullTests`).
    func testAFailedRenderLeavesNoFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-pdf-fail-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var broken = try document()
        broken.sections.append(Section(title: "Broken", blocks: [.table(DataTable(columns: [TableColumn("A")], rows: [[.text("1"), .text("2")]]))]))
        XCTAssertThrowsError(try CairoPDFRenderer().render(broken, to: folder.appendingPathComponent("report.pdf").path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }
}
