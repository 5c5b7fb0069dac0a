/// Row-major `C = alpha * A * op(B) + beta * C` in which every row of `C` is computed the same way
/// whatever the other rows of the call: the result for one image does not depend on the batch it rides in.
///
/// BLAS libraries give no such promise: OpenBLAS's and oneDNN's AVX2 kernels handle the last few
/// rows of a product with other instruction sequences than the full tiles, so one image's logits
/// could differ in the last bit between a batch of 1 and a batch of 8, between a worker's slice
/// and the whole batch, and so between machines with other core counts (measured on an AVX2
/// machine, 2026-12-07: 6 of 8 row counts changed a 16x10 product's rows). Here each element is
/// one fixed sequence of fused multiply-adds over `k` that depends only on its column and `k`,
/// so any grouping of rows or split of columns over the workers gives the same bits.
///
/// Used where the rows of a product are images (fully connected layers, single-pixel
/// convolutions, a transformer's class-token rows): few rows and a constant `B`, where the
/// product is limited by reading `B`; each loop keeps a block of `B` in cache while the rows pass over it.
/// `A` is `m x k` (row stride `lda`); `B` is `n x k` when `transposeB` (row stride `ldb`), else `k x n`.
/// `transposeA` (A stored `k x m`) is supported with an untransposed `B` only.
public func sgemmRowwise(transposeA: Bool = false, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                         a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                         beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    precondition(!(transposeA && transposeB), "sgemmRowwise: a transposed A needs an untransposed B")
    let (aBox, bBox, out) = (UncheckedBox(a), UncheckedBox(b), SendablePointer(c))
    // Columns are cut in multiples of 16, so each column keeps its place in the vector blocks.
    let blocks = (n + 15) / 16
    let grain = max(1, (1 << 16) / max(1, m * k * 16))
    Parallel.forEachChunk(blocks, grain: grain) { range in
        let first = range.lowerBound * 16, last = min(n, range.upperBound * 16)
        if transposeB {
            RowwiseKernels.dot(m: m, columns: first..<last, k: k, a: aBox.value, lda: lda, b: bBox.value, ldb: ldb,
                               alpha: alpha, beta: beta, c: out.base, ldc: ldc)
        } else {
            let (rowStep, termStep) = transposeA ? (1, lda) : (lda, 1)
            RowwiseKernels.axpy(m: m, columns: first..<last, k: k, a: aBox.value, rowStep: rowStep, termStep: termStep,
                                b: bBox.value, ldb: ldb, alpha: alpha, beta: beta, c: out.base, ldc: ldc)
        }
    }
}

/// The two loops of `sgemmRowwise`: one per layout of `B`.
enum RowwiseKernels {
    typealias Lanes = SIMD8<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    /// The sum of the eight lanes in a fixed order.
    @inline(__always) static func total(_ v: Lanes) -> Float {
        let half = v.lowHalf + v.highHalf
        let quarter = half.lowHalf + half.highHalf
        return quarter[0] + quarter[1]
    }

    /// Writes `alpha * value + beta * C` (just `value` in the common case).
    @inline(__always) static func store(_ value: Float, _ target: UnsafeMutablePointer<Float>, alpha: Float, beta: Float) {
        let scaled = alpha == 1 ? value : alpha * value
        target.pointee = beta == 0 ? scaled : scaled + beta * target.pointee
    }

    /// `B` is `n x k`: each element is a dot product of two rows of length `k`, in eight lanes
    /// (chunks of eight in order), then the lanes in a fixed order, then the last `k % 8` terms.
    /// Four rows by four columns share their loads; short blocks repeat their last row or column
    /// and drop the repeat, so every element runs the same instructions. Each block of four rows of `B`
    /// stays in cache while up to 64 rows of `A` pass over it, so `B` is read once per 64 rows.
    static func dot(m: Int, columns: Range<Int>, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
                    ldb: Int, alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let whole = k & ~7
        for rowBlock in stride(from: 0, to: m, by: 64) {
            for column in stride(from: columns.lowerBound, to: columns.upperBound, by: 4) {
                for row in stride(from: rowBlock, to: min(rowBlock + 64, m), by: 4) {
                    let r0 = a + row * lda, r1 = a + min(row + 1, m - 1) * lda
                    let r2 = a + min(row + 2, m - 1) * lda, r3 = a + min(row + 3, m - 1) * lda
                    let last = columns.upperBound - 1
                    let q0 = b + column * ldb, q1 = b + min(column + 1, last) * ldb
                    let q2 = b + min(column + 2, last) * ldb, q3 = b + min(column + 3, last) * ldb
                    var s00 = Lanes(), s01 = Lanes(), s02 = Lanes(), s03 = Lanes()
                    var s10 = Lanes(), s11 = Lanes(), s12 = Lanes(), s13 = Lanes()
                    var s20 = Lanes(), s21 = Lanes(), s22 = Lanes(), s23 = Lanes()
                    var s30 = Lanes(), s31 = Lanes(), s32 = Lanes(), s33 = Lanes()
                    var index = 0
                    while index < whole {
                        let b0 = load(q0 + index), b1 = load(q1 + index), b2 = load(q2 + index), b3 = load(q3 + index)
                        let a0 = load(r0 + index)
                        s00.addProduct(a0, b0); s01.addProduct(a0, b1); s02.addProduct(a0, b2); s03.addProduct(a0, b3)
                        let a1 = load(r1 + index)
                        s10.addProduct(a1, b0); s11.addProduct(a1, b1); s12.addProduct(a1, b2); s13.addProduct(a1, b3)
                        let a2 = load(r2 + index)
                        s20.addProduct(a2, b0); s21.addProduct(a2, b1); s22.addProduct(a2, b2); s23.addProduct(a2, b3)
                        let a3 = load(r3 + index)
                        s30.addProduct(a3, b0); s31.addProduct(a3, b1); s32.addProduct(a3, b2); s33.addProduct(a3, b3)
                        index += 8
                    }
                    let rows = min(4, m - row), width = min(4, columns.upperBound - column)
                    /// Finishes element (row + i, column + j) from its lanes and the last `k % 8` terms.
                    func finish(_ lanes: Lanes, _ i: Int, _ j: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) {
                        guard i < rows, j < width else { return }
                        var value = total(lanes)
                        for t in whole..<k { value = value.addingProduct(x[t], y[t]) }
                        store(value, c + (row + i) * ldc + column + j, alpha: alpha, beta: beta)
                    }
                    finish(s00, 0, 0, r0, q0); finish(s01, 0, 1, r0, q1); finish(s02, 0, 2, r0, q2); finish(s03, 0, 3, r0, q3)
                    finish(s10, 1, 0, r1, q0); finish(s11, 1, 1, r1, q1); finish(s12, 1, 2, r1, q2); finish(s13, 1, 3, r1, q3)
                    finish(s20, 2, 0, r2, q0); finish(s21, 2, 1, r2, q1); finish(s22, 2, 2, r2, q2); finish(s23, 2, 3, r2, q3)
                    finish(s30, 3, 0, r3, q0); finish(s31, 3, 1, r3, q1); finish(s32, 3, 2, r3, q2); finish(s33, 3, 3, r3, q3)
                }
            }
        }
    }

    /// `B` is `k x n`: each element is one chain of fused multiply-adds over `k` in order, eight
    /// columns to a vector (two vectors at a time where there are sixteen); columns past the last whole
    /// vector of `n` run the same chain one at a time (the same on every call: which columns those are
    /// depends on `n` alone, since the caller cuts columns in multiples of sixteen). Column blocks are
    /// the outer loop, so a block of `B` stays in cache while every row passes over it.
    /// A's element (row i, term t) is `a[i * rowStep + t * termStep]`.
    static func axpy(m: Int, columns: Range<Int>, k: Int, a: UnsafePointer<Float>, rowStep: Int, termStep: Int,
                     b: UnsafePointer<Float>, ldb: Int, alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let vectorEnd = columns.lowerBound + (columns.count & ~7)
        /// Rows `row..<row+4`, the last repeated past `m` (`put` drops those).
        func rowGroup(_ row: Int) -> (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) {
            (a + row * rowStep, a + min(row + 1, m - 1) * rowStep, a + min(row + 2, m - 1) * rowStep,
             a + min(row + 3, m - 1) * rowStep)
        }
        /// Writes the lanes of row `row` from `column`.
        func put(_ lanes: Lanes, _ row: Int, _ column: Int) {
            guard row < m else { return }
            let target = c + row * ldc + column
            for lane in 0..<8 { store(lanes[lane], target + lane, alpha: alpha, beta: beta) }
        }
        var column = columns.lowerBound
        while column + 16 <= vectorEnd {
            for row in stride(from: 0, to: m, by: 4) {
                let (r0, r1, r2, r3) = rowGroup(row)
                var s00 = Lanes(), s01 = Lanes(), s10 = Lanes(), s11 = Lanes()
                var s20 = Lanes(), s21 = Lanes(), s30 = Lanes(), s31 = Lanes()
                for t in 0..<k {
                    let line = b + t * ldb + column, at = t * termStep
                    let b0 = load(line), b1 = load(line + 8)
                    let a0 = Lanes(repeating: r0[at]), a1 = Lanes(repeating: r1[at])
                    let a2 = Lanes(repeating: r2[at]), a3 = Lanes(repeating: r3[at])
                    s00.addProduct(a0, b0); s01.addProduct(a0, b1); s10.addProduct(a1, b0); s11.addProduct(a1, b1)
                    s20.addProduct(a2, b0); s21.addProduct(a2, b1); s30.addProduct(a3, b0); s31.addProduct(a3, b1)
                }
                put(s00, row, column); put(s01, row, column + 8); put(s10, row + 1, column); put(s11, row + 1, column + 8)
                put(s20, row + 2, column); put(s21, row + 2, column + 8); put(s30, row + 3, column); put(s31, row + 3, column + 8)
            }
            column += 16
        }
        if column + 8 <= vectorEnd {
            for row in stride(from: 0, to: m, by: 4) {
                let (r0, r1, r2, r3) = rowGroup(row)
                var s0 = Lanes(), s1 = Lanes(), s2 = Lanes(), s3 = Lanes()
                for t in 0..<k {
                    let b0 = load(b + t * ldb + column), at = t * termStep
                    s0.addProduct(Lanes(repeating: r0[at]), b0); s1.addProduct(Lanes(repeating: r1[at]), b0)
                    s2.addProduct(Lanes(repeating: r2[at]), b0); s3.addProduct(Lanes(repeating: r3[at]), b0)
                }
                put(s0, row, column); put(s1, row + 1, column); put(s2, row + 2, column); put(s3, row + 3, column)
            }
            column += 8
        }
        for tail in column..<columns.upperBound {
            for row in 0..<m {
                let x = a + row * rowStep
                var value: Float = 0
                for t in 0..<k { value = value.addingProduct(x[t * termStep], b[t * ldb + tail]) }
                store(value, c + row * ldc + tail, alpha: alpha, beta: beta)
            }
        }
    }
}
