import Foundation
import LoupeTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Hostile images, arrays and archives (see `HostileInputTests`).
extension HostileInputTests {
    func corrupt(_ image: String) -> [String] {
        ["corrupt", image, "--corruption", "gaussian_noise", "--severity", "1", "--output", "out.png"]
    }

    /// A config with one job reading `dataset` (a JSON object) through a 1x4x4 Relu model.
    func datasetConfig(_ dataset: String, name: String = "config.json") throws -> String {
        if !FileManager.default.fileExists(atPath: path("relu.onnx")) { _ = try writeReluModel() }
        let text = #"{"jobs": [{"name": "hostile", "model": {"path": "relu.onnx"}, "dataset": \#(dataset)}]}"#
        return try write(Array(text.utf8), to: name)
    }

    /// PngSuite-style broken files: a bad CRC, a truncated IDAT, a chunk length past the end, huge dimensions.
    func testBrokenPNGsAreRefusedWithOneLine() throws {
        let good = HostileFiles.png(width: 8, height: 8)
        let idat = try XCTUnwrap(HostileFiles.pngChunkOffset(good, "IDAT"))
        let idatLength = good[idat..<(idat + 4)].reduce(0) { $0 << 8 | Int($1) }
        var badCRC = good
        badCRC[idat + 8 + idatLength] ^= 0xFF
        let truncated = Array(good[..<(idat + 8 + idatLength / 2)])
        var badLength = good
        badLength.replaceSubrange(idat..<(idat + 4), with: HostileFiles.bigEndian32(0x7FFF_FFF0))
        let cases: [(String, [UInt8])] = [("bad_crc.png", badCRC), ("truncated_idat.png", truncated), ("bad_length.png", badLength),
                                          ("huge_dims.png", HostileFiles.png(width: 100_000, height: 100_000, pixelRows: false)),
                                          ("zero_width.png", HostileFiles.png(width: 0, height: 8, pixelRows: false))]
        for (name, bytes) in cases {
            try assertRefused(corrupt(try write(bytes, to: name)), code: 4, mentions: [name])
        }
    }

    /// A 7000x7000 PNG (under the pixel cap) declared by a tiny file: refused from its header under the budget.
    func testLargeImageUnderThePixelCapIsBoundedByTheBudget() throws {
        let big = try write(HostileFiles.png(width: 7_000, height: 7_000, pixelRows: false), to: "big.png")
        try assertRefused(corrupt(big), code: 4, mentions: ["big.png", "7000x7000", "memory budget"])
        let jpeg = try write(HostileFiles.jpegHeader(width: 7_000, height: 7_000), to: "big.jpg")
        try assertRefused(corrupt(jpeg), code: 4, mentions: ["big.jpg", "memory budget"])
        try assertRefused(corrupt(try write(HostileFiles.jpegHeader(width: 65_500, height: 65_500), to: "huge.jpg")), code: 4,
                          mentions: ["huge.jpg", "65500x65500"])
        // Under the default budget (half of physical memory) the 7000x7000 header is refused by the pixel cap.
        try assertRefused(corrupt(big), code: 4, mentions: ["big.png", "7000x7000", "4096x4096"],
                          environment: ["LOUPE_MEMORY_LIMIT_MB": "0"])
    }

    /// A progressive JPEG with 3,000 scans stops at libjpeg's scan limit; a CMYK JPEG is decoded (to RGB), and
    /// one cut after its header is refused in one line.
    func testProgressiveJPEGWithThousandsOfScansAndCMYK() throws {
        let scans = try write(HostileFiles.progressiveJPEG(scans: 3_000), to: "scans.jpg")
        try assertRefused(corrupt(scans), code: 4, mentions: ["scans.jpg", "scan"])
        try assertRefused(corrupt(try write(HostileFiles.cmykJPEG(), to: "cmyk-header.jpg")), code: 4, mentions: ["cmyk-header.jpg"])
        try FileManager.default.createDirectory(atPath: path("cmyk/class"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("data", "cmyk.jpg"), toPath: path("cmyk/class/cmyk.jpg"))
        let run = try runChild(["validate", try datasetConfig(#"{"kind": "image-folder", "path": "cmyk"}"#)])
        XCTAssertEqual(run.exitCode, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("1 of 1 decoded"), run.stderr)
    }

    /// 16-bit PNGs are decoded (reduced to 8 bits as Pillow does), not refused.
    func testSixteenBitPNGIsDecoded() throws {
        let image = try write(HostileFiles.png(width: 32, height: 32, bitDepth: 16, colourType: 2), to: "rgb16.png")
        let run = try runChild(corrupt(image))
        XCTAssertEqual(run.exitCode, 0, run.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("out.png")))
    }

    /// A folder whose links lead back into themselves: the link to a parent folder is not followed, and a link
    /// loop (x.png → y.png → x.png, or a class folder linked to itself) is refused in one line, exit code 1
    /// (the job failed), without hanging.
    func testSymlinkLoopInAnImageFolder() throws {
        for folder in ["set/a", "set/b"] { try FileManager.default.createDirectory(atPath: path(folder), withIntermediateDirectories: true) }
        for folder in ["set/a", "set/b"] {
            _ = try write(HostileFiles.png(width: 4, height: 4, colourType: 0), to: folder + "/good.png")
        }
        try FileManager.default.createSymbolicLink(atPath: path("set/a/loop"), withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: path("set/b/x.png"), withDestinationPath: "y.png")
        try FileManager.default.createSymbolicLink(atPath: path("set/b/y.png"), withDestinationPath: "x.png")
        try FileManager.default.createSymbolicLink(atPath: path("set/c"), withDestinationPath: "c")
        let config = try datasetConfig(#"{"kind": "image-folder", "path": "set"}"#)
        try assertRefused(["validate", config], code: 1, mentions: ["set/c", "symbolic link loop"])
        // The image links that lead to each other, once the class folder's loop is gone.
        try FileManager.default.removeItem(atPath: path("set/c"))
        try assertRefused(["validate", config], code: 1, mentions: ["set/b/", ".png", "symbolic link loop"])
        // With no loop left the folder validates: the link to the parent folder is not followed.
        for name in ["set/b/x.png", "set/b/y.png"] { try FileManager.default.removeItem(atPath: path(name)) }
        let run = try runChild(["validate", config])
        XCTAssertEqual(run.exitCode, 0, run.stderr)
    }

    /// An NPY header with control characters, and an NPZ member named with them: one escaped line.
    func testControlCharactersFromArraysAreEscaped() throws {
        _ = try writeReluModel()
        let header = "{'descr': '<f4\u{1B}[2J\n', 'fortran_order': False, 'shape': (1, 1, 4, 4), }"
        let npy = try write(HostileFiles.npy(header: header, payload: [UInt8](repeating: 0, count: 64)), to: "evil.npy")
        try assertRefused(["infer", "relu.onnx", "--input", npy, "--output", "y.npy"], code: 4, mentions: ["evil.npy", "\\x1b"])
        let member = HostileFiles.ZipMember(name: "x\u{1B}[31m\nred.npy", data: Array("not an array".utf8))
        _ = try write(HostileFiles.zip([member]), to: "evil.npz")
        try assertRefused(["validate", try datasetConfig(#"{"kind": "npz", "path": "evil.npz"}"#)], code: 1, mentions: ["evil.npz", "\\x1b"])
        // The same failure in JSON log lines: every line parses, the member name arrives escaped.
        let run = try runChild(["run", "config.json", "--log-format", "json"])
        XCTAssertEqual(run.exitCode, 1, run.stderr)
        for line in run.stderrLines {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)), "not a JSON line: \(line)")
        }
        XCTAssertTrue(run.stderrLines.contains { $0.contains("evil.npz") && $0.contains("\"level\": \"error\"") }, run.stderr)
    }

    /// NPZ bombs: a member declaring 4 GB, and one that inflates past the size its header declares.
    func testNPZBombsAreRefusedBeforeInflating() throws {
        let declared = HostileFiles.ZipMember(name: "images.npy", data: [UInt8](repeating: 0x03, count: 64), method: 8,
                                              declaredSize: 0xFFFF_FF00)
        _ = try write(HostileFiles.zip([declared]), to: "declared.npz")
        try assertRefused(["validate", try datasetConfig(#"{"kind": "npz", "path": "declared.npz"}"#)], code: 1,
                          mentions: ["declared.npz", "images.npy", "memory budget"])
        let trailing = path("trailing.npz")
        try FileManager.default.copyItem(atPath: Fixtures.path("npz", "trailing_bomb.npz"), toPath: trailing)
        try assertRefused(["validate", try datasetConfig(#"{"kind": "npz", "path": "trailing.npz"}"#, name: "trailing.json")], code: 1,
                          mentions: ["trailing.npz", "x.npy"])
    }

    /// An IDX file gzipped from 300 MB of zeros behind a header declaring one 28x28 image.
    func testIDXGzipBombStopsAtTheDeclaredSize() throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/gzip") else { throw XCTSkip("no /bin/gzip to build the bomb") }
        let bomb = path("bomb-idx3-ubyte.gz")
        let header = "\\x00\\x00\\x08\\x03\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x1c\\x00\\x00\\x00\\x1c"
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "(printf '\(header)'; head -c 300000000 /dev/zero) | /bin/gzip -1 > '\(bomb)'"]
        try shell.run()
        shell.waitUntilExit()
        guard shell.terminationStatus == 0 else { throw XCTSkip("could not build the gzip bomb") }
        let labels = path("labels-idx1-ubyte")
        try FileManager.default.copyItem(atPath: Fixtures.path("data", "idx/tiny-labels-idx1-ubyte"), toPath: labels)
        let config = try datasetConfig(#"{"kind": "mnist-idx", "path": "bomb-idx3-ubyte.gz", "labels": "labels-idx1-ubyte"}"#)
        try assertRefused(["validate", config], code: 1, mentions: ["bomb-idx3-ubyte.gz"])
    }
}
