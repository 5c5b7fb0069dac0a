import LoupeTensor
import LoupeTestSupport
import XCTest

/// `sgemmRowwise`: the product itself, and that a row or column never depends on the others in the call.
final class RowwiseProductTests: XCTestCase {
    /// Seeded values in [-1, 1].
    func values(_ count: Int, seed: UInt64) -> [Float] {
        var random = TestRandom(seed: seed)
        return random.tensor([count]).scalars
    }

    /// Row-major `alpha * op(A) * op(B) + beta * C` in Double.
    func reference(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float], b: [Float],
                   beta: Float, c: [Float]) -> [Double] {
        (0..<(m * n)).map { index in
            let (i, j) = (index / n, index % n)
            var sum = 0.0
            for t in 0..<k {
                sum += Double(transposeA ? a[t * m + i] : a[i * k + t]) * Double(transposeB ? b[j * k + t] : b[t * n + j])
            }
            return Double(alpha) * sum + Double(beta) * Double(c[index])
        }
    }

    func product(transposeA: Bool = false, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1, a: [Float],
                 b: [Float], beta: Float = 0, c: [Float]? = nil) -> [Float] {
        var out = c ?? [Float](repeating: 0, count: m * n)
        sgemmRowwise(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a,
                     lda: transposeA ? m : k, b: b, ldb: transposeB ? k : n, beta: beta, c: &out, ldc: n)
        return out
    }

    func testMatchesTheProductInEveryLayoutAndShape() {
        // Shapes with row, column and term tails (k % 8, n % 16, m % 4) and exact multiples.
        for (m, n, k) in [(1, 1, 1), (3, 10, 16), (5, 37, 27), (8, 64, 2048), (9, 19, 7), (4, 16, 8)] {
            for (transposeA, transposeB) in [(false, false), (false, true), (true, false)] {
                let a = values(m * k, seed: 1), b = values(k * n, seed: 2), c = values(m * n, seed: 3)
                for (alpha, beta) in [(Float(1), Float(0)), (Float(0.5), Float(2))] {
                    let got = product(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                                      a: a, b: b, beta: beta, c: c)
                    let want = reference(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                                         a: a, b: b, beta: beta, c: c)
                    let worst = zip(got, want).map { abs(Double($0) - $1) }.max() ?? 0
                    XCTAssertLessThan(worst, 1e-5 * Double(k), "m \(m) n \(n) k \(k) tA \(transposeA) tB \(transposeB)")
                }
            }
        }
    }

    func testARowIsTheSameBitsWhateverTheOtherRows() {
        // B stays; the rows of A are images: row 2 alone, among 3, among 8 and after other rows.
        for transposeB in [false, true] {
            let (n, k) = (37, 27)
            let b = values(k * n, seed: 5), rows = values(8 * k, seed: 6)
            let all = product(transposeB: transposeB, m: 8, n: n, k: k, a: rows, b: b)
            let rowTwo = Array(all[(2 * n)..<(3 * n)])
            for (first, count) in [(2, 1), (0, 3), (1, 4), (2, 6)] {
                let part = product(transposeB: transposeB, m: count, n: n, k: k,
                                   a: Array(rows[(first * k)..<((first + count) * k)]), b: b)
                let offset = (2 - first) * n
                XCTAssertEqual(Array(part[offset..<(offset + n)]), rowTwo, "rows \(first)..<\(first + count), tB \(transposeB)")
            }
        }
    }

    func testAColumnIsTheSameBitsWhateverTheOtherColumns() {
        // Images side by side as columns (an im2col matrix, A transposed as in an input gradient): the
        // columns of image 1 of 3 equal image 1 alone, with 4 rows of A and 5 terms.
        let (m, k, p) = (4, 5, 21)
        let a = values(k * m, seed: 7), images = (0..<3).map { values(k * p, seed: 10 + UInt64($0)) }
        var side = [Float](repeating: 0, count: k * 3 * p)
        for t in 0..<k {
            for image in 0..<3 { for j in 0..<p { side[t * 3 * p + image * p + j] = images[image][t * p + j] } }
        }
        var joined = [Float](repeating: 0, count: m * 3 * p), alone = [Float](repeating: 0, count: m * p)
        sgemmRowwise(transposeA: true, transposeB: false, m: m, n: 3 * p, k: k, a: a, lda: m, b: side, ldb: 3 * p,
                     c: &joined, ldc: 3 * p)
        sgemmRowwise(transposeA: true, transposeB: false, m: m, n: p, k: k, a: a, lda: m, b: images[1], ldb: p,
                     c: &alone, ldc: p)
        for row in 0..<m {
            XCTAssertEqual(Array(joined[(row * 3 * p + p)..<(row * 3 * p + 2 * p)]), Array(alone[(row * p)..<((row + 1) * p)]))
        }
    }
}
