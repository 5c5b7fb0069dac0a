import Foundation
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Builds a `.npy` image with a hand-written header of the given version.
func craftNPY(version: UInt8, header: String, payload: [UInt8], pad: Bool = true) -> Data {
    let lengthSize = version == 1 ? 2 : 4
    var text = Array(header.utf8)
    if pad {
        let unpadded = 8 + lengthSize + text.count + 1
        text += [UInt8](repeating: 0x20, count: (unpadded + 63) / 64 * 64 - unpadded)
        text.append(0x0A)
    }
    var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
    for i in 0..<lengthSize { out.append(UInt8(truncatingIfNeeded: text.count >> (8 * i))) }
    return Data(out + text + payload)
}

final class NPYTests: XCTestCase {
    func testRoundTripEachWrittenType() throws {
        let dir = try makeTemporaryDirectory(self)
        let floats = Tensor(shape: [2, 3], scalars: [0, -1.5, 2.25, 3, 1e-3, 7])
        let path = dir.appendingPathComponent("a.npy").path
        try NPY.write(.float(floats), to: path)
        XCTAssertEqual(try NPY.read(path: path), .float(floats))
        try NPY.write(.float(floats), to: path, as: .float64)
        XCTAssertEqual(try NPY.read(path: path), .float(floats))
        let ints = IntTensor(shape: [3, 1], values: [0, 200, 255])
        try NPY.write(.int(ints), to: path, as: .uint8)
        XCTAssertEqual(try NPY.read(path: path), .int(ints))
        let longs = IntTensor(shape: [4], values: [-5, 0, 1 << 40, Int(Int64.min)])
        try NPY.write(.int(longs), to: path, as: .int64)
        XCTAssertEqual(try NPY.read(path: path), .int(longs))
        // Scalars and empty arrays.
        try NPY.write(.float(Tensor(scalar: 4)), to: path)
        XCTAssertEqual(try NPY.read(path: path), .float(Tensor(scalar: 4)))
        try NPY.write(.float(Tensor(shape: [0, 3])), to: path)
        XCTAssertEqual(try NPY.read(path: path), .float(Tensor(shape: [0, 3])))
    }

    func testConversionsWhenWritingOtherTypes() {
        let data = NPY.encode(.float(Tensor(shape: [4], scalars: [-3, 1.6, 254.5, 900])), as: .uint8)
        XCTAssertEqual(try NPY.read(data: data, name: "u.npy"), .int(IntTensor(vector: [0, 2, 255, 255])))
        let asFloat = NPY.encode(.int(IntTensor(vector: [1, -2])), as: .float32)
        XCTAssertEqual(try NPY.read(data: asFloat, name: "f.npy"), .float(Tensor(shape: [2], scalars: [1, -2])))
    }

    func testHeaderIsPaddedToSixtyFourBytes() {
        let data = NPY.encode(.float(Tensor(shape: [1, 2, 3])), as: .float32)
        let headerEnd = data.count - 24
        XCTAssertEqual(headerEnd % 64, 0)
        XCTAssertEqual(data[headerEnd - 1], 0x0A)
        XCTAssertEqual(data[6], 1)
    }

    func testReadsNumpyWrittenFile() throws {
        // Written by numpy 1.x/2.x: `np.save(f, np.array([[1, 2], [3, 4]], dtype='<i4'))`.
        let header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }"
        let payload: [UInt8] = [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        let value = try NPY.read(data: craftNPY(version: 1, header: header, payload: payload), name: "i.npy")
        XCTAssertEqual(value, .int(IntTensor(shape: [2, 2], values: [1, 2, 3, -1])))
        let bools = "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }"
        XCTAssertEqual(try NPY.read(data: craftNPY(version: 1, header: bools, payload: [1, 0, 1]), name: "b.npy"),
                       .int(IntTensor(vector: [1, 0, 1])))
    }

    func testVersionTwoAndThreeHeaders() throws {
        let payload: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0]  // 1.0, -2.0
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
        for version: UInt8 in [2, 3] {
            let value = try NPY.read(data: craftNPY(version: version, header: header, payload: payload), name: "v.npy")
            XCTAssertEqual(value, .float(Tensor(shape: [2], scalars: [1, -2])), "version \(version)")
        }
        assertLoupeError(try NPY.read(data: craftNPY(version: 4, header: header, payload: payload), name: "v4.npy"),
                         contains: ["v4.npy", "header", "version 4.0"])
    }

    func testRefusesTruncatedData() {
        var data = NPY.encode(.float(Tensor(shape: [2, 2], repeating: 1)))
        data.removeLast(3)
        assertLoupeError(try NPY.read(data: data, name: "cut.npy"), contains: ["cut.npy", "data", "needs 16 bytes but 13"])
        assertLoupeError(try NPY.read(data: Data(data.prefix(20)), name: "short.npy"), contains: ["short.npy", "header", "truncated"])
        assertLoupeError(try NPY.read(data: Data([1, 2, 3]), name: "tiny.npy"), contains: ["tiny.npy", "header"])
    }

    func testRefusesFortranOrder() {
        let header = "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }"
        assertLoupeError(try NPY.read(data: craftNPY(version: 1, header: header, payload: [0, 0, 0, 0]), name: "x.npy"),
                         contains: ["x.npy: header: fortran_order arrays are not supported"])
    }

    func testRefusesHugeShapes() {
        let overflow = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"
        assertLoupeError(try NPY.read(data: craftNPY(version: 1, header: overflow, payload: []), name: "big.npy"),
                         contains: ["big.npy", "shape", "overflows"])
        let bytesOverflow = "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }"
        assertLoupeError(try NPY.read(data: craftNPY(version: 1, header: bytesOverflow, payload: []), name: "big2.npy"),
                         contains: ["big2.npy", "data", "needs more than"])
        let large = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }"
        assertLoupeError(try NPY.read(data: craftNPY(version: 1, header: large, payload: [0, 0, 0, 0]), name: "large.npy"),
                         contains: ["large.npy", "data", "40000000000 bytes but 4"])
        let negative = "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"
        assertLoupeError(try NPY.read(data: craftNPY(version: 1, header: negative, payload: []), name: "neg.npy"),
                         contains: ["neg.npy", "header", "negative dimension"])
    }

    func testRefusesLongHeader() {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" + String(repeating: " ", count: 10_050)
        assertLoupeError(try NPY.read(data: craftNPY(version: 2, header: header, payload: [0, 0, 0, 0]), name: "long.npy"),
                         contains: ["long.npy", "header", "more than 10000"])
    }

    func testRefusesObjectBigEndianAndStructuredDtypes() {
        let cases: [(String, String)] = [
            ("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", "pickles"),
            ("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", "big-endian"),
            ("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", "unsupported dtype '<U3'"),
            ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "structured"),
            ("{'descr': '<f4', 'shape': (1,), }", "missing 'fortran_order'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unexpected key 'extra'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ", "expected '}'"),
        ]
        for (header, fragment) in cases {
            assertLoupeError(try NPY.read(data: craftNPY(version: 1, header: header, payload: [0, 0, 0, 0]), name: "o.npy"),
                             contains: ["o.npy", "header", fragment])
        }
        // A pickle file is not a .npy file at all.
        assertLoupeError(try NPY.read(data: Data([0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 0, 0, 0, 0]), name: "p.npy"),
                         contains: ["p.npy", "header", "bad magic"])
    }

    func testMissingFileIsAnIOError() {
        assertLoupeError(try NPY.read(path: "/nonexistent/q.npy"), contains: ["/nonexistent/q.npy", "cannot read"])
    }

    func testNumpyReadsOurFile() throws {
        let python = try loupePython(needs: "numpy")
        let dir = try makeTemporaryDirectory(self)
        let path = dir.appendingPathComponent("w.npy").path
        try NPY.write(.float(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4.5])), to: path)
        let output = try runPython(python, "import numpy as np; a = np.load('\(path)'); print(a.dtype, a.shape, a.sum())")
        XCTAssertEqual(output, "float32 (2, 2) 10.5")
    }
}

