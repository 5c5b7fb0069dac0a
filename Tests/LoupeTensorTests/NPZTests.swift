import Foundation
import LoupeTensor
import LoupeTestSupport
import XCTest

final class NPZTests: XCTestCase {
    private let expected: [String: TensorValue] = [
        "weights": .float(Tensor(shape: [2, 3], scalars: [0, 0.25, 0.5, 0.75, 1, 1.25])),
        "labels": .int(IntTensor(vector: [3, 1, 4, 1, 5])),
        "image": .int(IntTensor(shape: [2, 2, 3], values: Array(0..<12))),
        "scalar": .float(Tensor(scalar: 2.5)),
    ]

    func testReadsNumpySavez() throws {
        let path = fixturesDirectory.appendingPathComponent("npz/sample.npz").path
        XCTAssertEqual(try NPZ.read(path: path), expected)
    }

    func testReadsNumpySavezCompressed() throws {
        let path = fixturesDirectory.appendingPathComponent("npz/sample_compressed.npz").path
        XCTAssertEqual(try NPZ.read(path: path), expected)
    }

    func testWriteReadRoundTrip() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir.appendingPathComponent("out.npz").path
        let arrays: [(String, TensorValue)] = [
            ("a", .float(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))),
            ("b", .int(IntTensor(vector: [7, -8]))),
            ("empty", .float(Tensor(shape: [0]))),
        ]
        try NPZ.write(arrays, to: path)
        XCTAssertEqual(try NPZ.read(path: path), Dictionary(uniqueKeysWithValues: arrays))
        assertLoupeError(try NPZ.write([("a", arrays[0].1), ("a", arrays[1].1)], to: path), contains: [path, "array 'a'", "duplicate"])
    }

    func testNumpyReadsOurArchive() throws {
        let python = try loupePython(needs: "numpy")
        let dir = try makeTemporaryDirectory(self)
        let path = dir.appendingPathComponent("np.npz").path
        try NPZ.write([("x", .float(Tensor(shape: [3], scalars: [1, 2, 3.5]))), ("y", .int(IntTensor(shape: [1, 2], values: [4, 5])))],
                      to: path)
        let code = "import numpy as np; z = np.load('\(path)'); print(sorted(z.files), z['x'].dtype, z['x'].sum(), z['y'].dtype, z['y'].shape)"
        XCTAssertEqual(try runPython(python, code), "['x', 'y'] float32 6.5 int64 (1, 2)")
    }

    func testRefusesCorruptedEntryChecksum() throws {
        let path = fixturesDirectory.appendingPathComponent("npz/sample.npz").path
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        // The first entry's array bytes start after its local header and .npy header; flip one.
        let nameLength = Int(data[26]) | Int(data[27]) << 8
        let extraLength = Int(data[28]) | Int(data[29]) << 8
        let firstData = 30 + nameLength + extraLength + 128 + 4
        data[firstData] ^= 0xFF
        assertLoupeError(try NPZ.read(data: data, name: "bad.npz"), contains: ["bad.npz", "entry 'weights.npy'", "CRC-32 mismatch"])
    }

    func testRefusesCorruptedDeflateStream() throws {
        let path = fixturesDirectory.appendingPathComponent("npz/sample_compressed.npz").path
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let nameLength = Int(data[26]) | Int(data[27]) << 8
        let extraLength = Int(data[28]) | Int(data[29]) << 8
        let start = 30 + nameLength + extraLength
        for i in start..<(start + 10) { data[i] = 0xFF }
        assertLoupeError(try NPZ.read(data: data, name: "z.npz"), contains: ["z.npz", "entry 'weights.npy'"])
    }

    func testRefusesDeclaredSizeMismatch() throws {
        let path = fixturesDirectory.appendingPathComponent("npz/sample_compressed.npz").path
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        // Patch the first central-directory record's uncompressed size (offset 24) downwards.
        let directory = try XCTUnwrap(data.range(of: Data([0x50, 0x4B, 0x01, 0x02]))).lowerBound
        data[directory + 24] &-= 1
        assertLoupeError(try NPZ.read(data: data, name: "s.npz"), contains: ["s.npz", "entry 'weights.npy'", "more than the declared 151"])
        data[directory + 24] &+= 2
        assertLoupeError(try NPZ.read(data: data, name: "s.npz"), contains: ["s.npz", "entry 'weights.npy'", "declared"])
    }

    func testRefusesTruncatedAndGarbageArchives() throws {
        let path = fixturesDirectory.appendingPathComponent("npz/sample.npz").path
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        for cut in [10, data.count / 2, data.count - 5] {
            assertLoupeError(try NPZ.read(data: data.prefix(cut), name: "t.npz"), contains: ["t.npz", "zip"])
        }
        assertLoupeError(try NPZ.read(data: Data(repeating: 7, count: 100), name: "g.npz"), contains: ["g.npz", "zip"])
    }

    func testRefusesZip64AndUnknownMethods() throws {
        let path = fixturesDirectory.appendingPathComponent("npz/sample.npz").path
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        var data = original
        // EOCD entry counts of 0xFFFF mean "see the ZIP64 record".
        let end = data.count - 22
        for offset in [8, 9, 10, 11] { data[end + offset] = 0xFF }
        assertLoupeError(try NPZ.read(data: data, name: "z64.npz"), contains: ["z64.npz", "zip", "ZIP64"])
        data = original
        let directory = try XCTUnwrap(data.range(of: Data([0x50, 0x4B, 0x01, 0x02]))).lowerBound
        data[directory + 10] = 12  // bzip2
        assertLoupeError(try NPZ.read(data: data, name: "m.npz"), contains: ["m.npz", "entry 'weights.npy'", "method 12"])
    }

    func testRandomByteMutationsNeverCrash() throws {
        let path = fixturesDirectory.appendingPathComponent("npz/sample_compressed.npz").path
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        var state: UInt64 = 12345
        var refused = 0
        for _ in 0..<400 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var data = original
            data[Int(state >> 33) % data.count] = UInt8(truncatingIfNeeded: state >> 8)
            do {
                _ = try NPZ.read(data: data, name: "fuzz.npz")
            } catch let error as LoupeError {
                refused += 1
                XCTAssertTrue(error.description.hasPrefix("fuzz.npz: "), error.description)
            }
        }
        XCTAssertGreaterThan(refused, 100)
    }

    func testRefusesBadArrayInsideArchive() throws {
        let bad = NPY.encode(.float(Tensor(shape: [2], scalars: [1, 2]))).dropLast(2)
        let archive = try NPZ.encode([("ok", .float(Tensor(scalar: 1)))])
        XCTAssertEqual(try NPZ.read(data: archive, name: "ok.npz").count, 1)
        // Build an archive holding the truncated array by hand through the public writer's format.
        let tmp = try makeTemporaryDirectory(self)
        let npy = tmp.appendingPathComponent("cut.npy")
        try Data(bad).write(to: npy)
        let zipPath = tmp.appendingPathComponent("cut.npz").path
        let python = try loupePython(needs: "the standard library")
        _ = try runPython(python, "import zipfile; z = zipfile.ZipFile('\(zipPath)', 'w'); z.write('\(npy.path)', 'cut.npy'); z.close()")
        assertLoupeError(try NPZ.read(path: zipPath), contains: [zipPath, "entry 'cut.npy'", "data", "needs 8 bytes but 6"])
    }
}
