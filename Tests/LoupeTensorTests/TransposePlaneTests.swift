import LoupeTensor
import XCTest

/// `LayoutKernels.transposePlane` and the strided copies that use it: a copy element for element, with
/// register blocks inside and single elements on the edges.
final class TransposePlaneTests: XCTestCase {
    func testPlanesOfEverySizeMatchTheDefinition() {
        for (rows, columns) in [(1, 1), (7, 9), (8, 8), (16, 24), (17, 8), (8, 23), (33, 41), (64, 3)] {
            let (sourceStride, destinationStride) = (rows + 3, columns + 5)
            let source = (0..<(sourceStride * columns)).map { Float($0) * 0.5 - 7 }
            var destination = [Float](repeating: .nan, count: rows * destinationStride)
            source.withUnsafeBufferPointer { s in
                destination.withUnsafeMutableBufferPointer { d in
                    guard let s = s.baseAddress, let d = d.baseAddress else { return }
                    LayoutKernels.transposePlane(s, sourceStride: sourceStride, rows: rows, columns: columns, into: d,
                                                 destinationStride: destinationStride)
                }
            }
            for i in 0..<rows {
                for j in 0..<destinationStride {
                    let value = destination[i * destinationStride + j]
                    if j < columns {
                        XCTAssertEqual(value, source[i + j * sourceStride], "\(rows)x\(columns) at (\(i), \(j))")
                    } else {
                        XCTAssertTrue(value.isNaN, "\(rows)x\(columns): wrote past the row at (\(i), \(j))")
                    }
                }
            }
        }
    }

    /// A channels-first batch moved channels-last (and back) through `permute`, against index arithmetic.
    func testPermutesThroughTheBlocksMatchTheDefinition() {
        let shape = [2, 11, 5, 7]
        let count = shape.reduce(1, *)
        let x = (0..<count).map { Float($0) }
        for perm in [[0, 2, 3, 1], [0, 3, 1, 2], [1, 0, 3, 2]] {
            let outShape = perm.map { shape[$0] }
            var y = [Float](repeating: 0, count: count)
            x.withUnsafeBufferPointer { s in y.withUnsafeMutableBufferPointer { LayoutKernels.permute(s, shape: shape, perm: perm, into: $0) } }
            let inStrides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1]
            for flat in 0..<count {
                var rest = flat, offset = 0
                for axis in stride(from: 3, through: 0, by: -1) {
                    offset += rest % outShape[axis] * inStrides[perm[axis]]
                    rest /= outShape[axis]
                }
                if y[flat] != x[offset] { XCTFail("perm \(perm): element \(flat) is \(y[flat]), expected \(x[offset])"); break }
            }
        }
    }
}
