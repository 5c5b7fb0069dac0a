import Foundation
import LoupeData
import LoupeTensor
import LoupeTestSupport
import XCTest

/// The `Tests/Fixtures/data` folder.
let dataFixtures = fixturesDirectory.appendingPathComponent("data").path

/// A fixture file's full path.
func fixture(_ name: String) -> String { dataFixtures + "/" + name }

/// Reads an `.npy` fixture as bytes (values must be 0...255).
func npyBytes(_ name: String) throws -> [UInt8] {
    try NPYRows(path: fixture(name)).readAll().map { UInt8($0) }
}

/// Asserts `body` throws a one-line `LoupeError` whose message names `file` and contains `words`.
func assertRefusal(_ file: String, kind: LoupeError.Kind = .invalidInput, mentions words: String,
                   line: UInt = #line, _ body: () throws -> Void) {
    assertLoupeError(try body(), contains: [file, words], kind: kind, line: line)
}

final class CodecTests: XCTestCase {
    func testPNGKnownPixelsRGBGrayAndAlpha() throws {
        let rgb = try ImageCodec.decodeFile(atPath: fixture("known_rgb.png"))
        XCTAssertEqual([rgb.width, rgb.height, rgb.channels], [3, 2, 3])
        XCTAssertEqual(rgb.bytes, [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 128, 128, 128, 250, 251, 252])
        let gray = try ImageCodec.decodeFile(atPath: fixture("known_gray.png"))
        XCTAssertEqual([gray.width, gray.height, gray.channels], [2, 2, 1])
        XCTAssertEqual(gray.bytes, [0, 64, 128, 255])
        let rgba = try ImageCodec.decodeFile(atPath: fixture("known_rgba.png"))
        XCTAssertEqual([rgba.width, rgba.height, rgba.channels], [2, 2, 4])
        XCTAssertEqual(rgba.bytes, [255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255, 128, 100, 100, 100, 255])
    }

    func testSixteenBitPNGIsReducedLikePillow() throws {
        let image = try ImageCodec.decodeFile(atPath: fixture("rgb16.png"))
        XCTAssertEqual([image.width, image.height, image.channels], [2, 1, 3])
        XCTAssertEqual(image.bytes, [0, 128, 255, 3, 78, 195])
    }

    func testJPEGMatchesPillowDecode() throws {
        for (file, expected) in [("folder/cat/b.jpg", "b_jpg_pillow.npy"), ("folder/dog/d.jpeg", "d_jpeg_pillow.npy")] {
            let image = try ImageCodec.decodeFile(atPath: fixture(file))
            XCTAssertEqual([image.width, image.height, image.channels], [16, 12, 3], file)
            XCTAssertEqual(image.bytes, try npyBytes(expected), file)
        }
        let gray = try ImageCodec.decodeFile(atPath: fixture("gray.jpg"))
        XCTAssertEqual([gray.width, gray.height, gray.channels], [10, 9, 1])
        XCTAssertEqual(gray.bytes, try npyBytes("gray_jpg_pillow.npy"))
    }

    func testColourConversionRule() {
        let rgb = PixelImage(width: 1, height: 1, channels: 3, values: [1, 0.5, 0])
        XCTAssertEqual(rgb.converted(toChannels: 1).values[0], 0.299 + 0.587 * 0.5, accuracy: 1e-6)
        let gray = PixelImage(width: 2, height: 1, channels: 1, values: [0.25, 0.75])
        XCTAssertEqual(gray.converted(toChannels: 3).values, [0.25, 0.25, 0.25, 0.75, 0.75, 0.75])
        // Half-transparent black on white is mid gray; fully transparent is white.
        let rgba = PixelImage(width: 2, height: 1, channels: 4, values: [0, 0, 0, 0.5, 1, 0, 0, 0])
        XCTAssertEqual(rgba.converted(toChannels: 3).values, [0.5, 0.5, 0.5, 1, 1, 1])
        let ga = PixelImage(width: 1, height: 1, channels: 2, values: [0.2, 0.5])
        XCTAssertEqual(ga.converted(toChannels: 1).values[0], 0.6, accuracy: 1e-6)
    }

    func testDirectByteConversionEqualsTwoStepConversion() throws {
        for file in ["known_rgb.png", "known_gray.png", "known_rgba.png"] {
            let image = try ImageCodec.decodeFile(atPath: fixture(file))
            for target in [1, 3] {
                XCTAssertEqual(image.pixelImage(channels: target), image.pixelImage.converted(toChannels: target), "\(file) to \(target)")
            }
        }
        let rgba = try ImageCodec.decodeFile(atPath: fixture("known_rgba.png")).pixelImage(channels: 3)
        // Pixel 1 is fully transparent (white); pixel 2 is blue at alpha 128/255 over white.
        XCTAssertEqual(Array(rgba.values[3..<6]), [1, 1, 1])
        let a: Float = 128 / 255
        XCTAssertEqual(rgba.values[6], 1 - a, accuracy: 1e-6)
        XCTAssertEqual(rgba.values[8], a + (1 - a), accuracy: 1e-6)
    }

    func testCorruptTruncatedAndForeignFilesAreRefusedNamingTheFile() {
        for (file, words) in [("corrupt.png", "corrupt"), ("truncated.jpg", "truncated"), ("not_image.png", "not a PNG or JPEG")] {
            let path = fixture(file)
            assertRefusal(path, mentions: words) { _ = try ImageCodec.decodeFile(atPath: path) }
        }
    }

    func testPixelCapRefusesFromTheHeaderBeforeDecoding() throws {
        let path = fixture("huge_header.png")
        assertRefusal(path, mentions: "100000x100000") { _ = try ImageCodec.decodeFile(atPath: path) }
        XCTAssertEqual(PNGCodec.size(of: try Array(Data(contentsOf: URL(fileURLWithPath: path))))?.width, 100000)
        // A small cap refuses ordinary files too, JPEG included.
        let jpeg = fixture("folder/cat/b.jpg")
        assertRefusal(jpeg, mentions: "limit of 100") { _ = try ImageCodec.decodeFile(atPath: jpeg, maxPixels: 100) }
        XCTAssertNoThrow(try ImageCodec.decodeFile(atPath: jpeg, maxPixels: 192))
    }

    /// An IDX file whose gzip stream inflates far past its header's size stops one chunk after it.
    func testGzipBombStopsAtTheDeclaredSize() throws {
        let header: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2] // 2 images of 2x2
        let bomb = try gzipBytes(header + [UInt8](repeating: 0, count: 64 << 20))
        XCTAssertLessThan(bomb.count, 1 << 20)
        assertRefusal("bomb.gz", mentions: "24 bytes its header declares") {
            _ = try Gzip.decompress(bomb, name: "bomb.gz", declaredSize: IDXDataset.declaredFileSize)
        }
        let huge = try gzipBytes([0, 0, 8, 3, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF])
        assertRefusal("huge.gz", mentions: "header declares") {
            _ = try Gzip.decompress(huge, name: "huge.gz", declaredSize: IDXDataset.declaredFileSize)
        }
        let exact = try gzipBytes(header + [UInt8](repeating: 7, count: 8))
        XCTAssertEqual(try Gzip.decompress(exact, name: "ok.gz", declaredSize: IDXDataset.declaredFileSize).count, 24)
    }

    /// Compresses bytes with the system's `gzip` (always present on Debian), skipping where it is absent.
    private func gzipBytes(_ bytes: [UInt8]) throws -> [UInt8] {
        guard FileManager.default.isExecutableFile(atPath: "/bin/gzip") else { throw XCTSkip("no /bin/gzip") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-gzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("data")
        try Data(bytes).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-9", "-n", file.path]
        try process.run()
        process.waitUntilExit()
        return try Array(Data(contentsOf: file.appendingPathExtension("gz")))
    }

    func testGzipRoundTripAndTruncation() throws {
        let gz = try Array(Data(contentsOf: URL(fileURLWithPath: fixture("idx/tiny-images-idx3-ubyte.gz"))))
        let plain = try Gzip.decompress(gz, name: "x.gz")
        XCTAssertEqual(plain.count, 16 + 5 * 4 * 3)
        XCTAssertEqual(Array(plain[0..<4]), [0, 0, 8, 3])
        assertRefusal("cut.gz", mentions: "gzip") { _ = try Gzip.decompress(Array(gz.prefix(gz.count / 2)), name: "cut.gz") }
        assertRefusal("big.gz", mentions: "more than 10 bytes") { _ = try Gzip.decompress(gz, name: "big.gz", maxBytes: 10) }
    }
}
