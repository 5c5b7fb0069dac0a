import CBLAS
import CDNNL
import Foundation

/// Row-major single-precision `C = alpha * op(A) * op(B) + beta * C`, in oneDNN or OpenBLAS (`GEMMRule`).
///
/// `op(A)` is `m x k` and `op(B)` is `k x n`; `lda`/`ldb`/`ldc` are the row strides of the
/// stored (untransposed) matrices. Empty products are handled here (BLAS rejects them).
/// Both libraries run single-threaded (`BLASThreading`, one OpenMP thread for oneDNN); a large
/// product is cut here into one block of columns (or rows) per worker, unless the caller is itself
/// one of several workers (`Parallel.serially`).
public func sgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                  alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    if k == 0 || alpha == 0 {
        for row in 0..<m {
            let rowBase = c + row * ldc
            if beta == 0 {
                rowBase.update(repeating: 0, count: n)
            } else if beta != 1 {
                for col in 0..<n { rowBase[col] *= beta }
            }
        }
        return
    }
    BLASThreading.pinToOneThread()
    let parts = Parallel.workerCount
    guard parts > 1, m * n * k >= BLASThreading.splitWork else {
        if GEMMRule.library(m: m, n: n, k: k) == .oneDNN {
            omp_set_num_threads(1)
            let (trans, plain) = (CChar(UInt8(ascii: "T")), CChar(UInt8(ascii: "N")))
            let status = dnnl_sgemm(transposeA ? trans : plain, transposeB ? trans : plain, Int64(m), Int64(n), Int64(k), alpha,
                                    a, Int64(max(lda, 1)), b, Int64(max(ldb, 1)), beta, c, Int64(max(ldc, 1)))
            if status == dnnl_success { return }
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)),
                    beta, c, Int32(max(ldc, 1)))
        return
    }
    // One block per worker: of columns when they are many, else of rows (each block is a whole product).
    let byColumns = n >= m
    let (aBox, bBox, out) = (UncheckedBox(a), UncheckedBox(b), SendablePointer(c))
    Parallel.forEachChunk(byColumns ? n : m, grain: 1) { range in
        let (first, count) = (range.lowerBound, range.count)
        let blockA = byColumns ? aBox.value : aBox.value + (transposeA ? first : first * lda)
        let blockB = byColumns ? bBox.value + (transposeB ? first * ldb : first) : bBox.value
        let blockC = out.base + (byColumns ? first : first * ldc)
        sgemm(transposeA: transposeA, transposeB: transposeB, m: byColumns ? m : count, n: byColumns ? count : n, k: k,
              alpha: alpha, a: blockA, lda: lda, b: blockB, ldb: ldb, beta: beta, c: blockC, ldc: ldc)
    }
}

/// Shapes of a batched matrix product with broadcast batch dimensions (numpy `matmul` rules).
public struct BatchedProductLayout: Sendable, Equatable {
    /// Broadcast batch shape of the result.
    public var batchShape: [Int]
    /// Offset (in matrices) of the left operand for each result batch entry.
    public var leftIndex: [Int]
    /// Offset (in matrices) of the right operand for each result batch entry.
    public var rightIndex: [Int]
    public var m: Int
    public var k: Int
    public var n: Int

    /// Broadcasts `leftBatch` against `rightBatch`; nil when they are incompatible.
    public init?(leftBatch: [Int], rightBatch: [Int], m: Int, k: Int, n: Int) {
        let rank = max(leftBatch.count, rightBatch.count)
        let l = [Int](repeating: 1, count: rank - leftBatch.count) + leftBatch
        let r = [Int](repeating: 1, count: rank - rightBatch.count) + rightBatch
        var shape = [Int]()
        for axis in 0..<rank {
            if l[axis] == r[axis] || r[axis] == 1 { shape.append(l[axis]) } else if l[axis] == 1 { shape.append(r[axis]) } else { return nil }
        }
        guard let total = checkedProduct(shape) else { return nil }
        let lStrides = Tensor.strides(of: l), rStrides = Tensor.strides(of: r)
        var left = [Int](repeating: 0, count: total), right = [Int](repeating: 0, count: total)
        var index = [Int](repeating: 0, count: rank)
        for flat in 0..<total {
            var lo = 0, ro = 0
            for axis in 0..<rank {
                if l[axis] != 1 { lo += index[axis] * lStrides[axis] }
                if r[axis] != 1 { ro += index[axis] * rStrides[axis] }
            }
            left[flat] = lo
            right[flat] = ro
            advance(&index, in: shape, lastAxis: rank - 1)
        }
        batchShape = shape
        leftIndex = left
        rightIndex = right
        self.m = m
        self.k = k
        self.n = n
    }

    /// Number of result matrices.
    public var count: Int { leftIndex.count }
}

/// Computes every `C[b] = A[left(b)] * B[right(b)]` of a broadcast batched product.
///
/// `a` holds `m x k` matrices, `b` holds `k x n` matrices, `c` receives `count` `m x n` matrices.
/// Small products run in parallel over the batch; large ones run one after another, each cut over
/// the workers by `sgemm`.
public func batchedMatrixProduct(_ layout: BatchedProductLayout, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                 c: UnsafeMutablePointer<Float>) {
    let (m, k, n) = (layout.m, layout.k, layout.n)
    let out = SendablePointer(c)
    let aBox = UncheckedBox(a), bBox = UncheckedBox(b)
    let work = m * n * max(k, 1)
    Parallel.forEachChunk(layout.count, grain: work >= 1 << 18 ? Int.max : max(1, (1 << 16) / max(work, 1))) { range in
        for index in range {
            sgemm(m: m, n: n, k: k, a: aBox.value + layout.leftIndex[index] * m * k, lda: k,
                  b: bBox.value + layout.rightIndex[index] * k * n, ldb: n,
                  c: out.base + index * m * n, ldc: n)
        }
    }
}

/// The library one single-threaded product runs in, from its size alone (deterministic).
///
/// oneDNN's sgemm (AVX-512 kernels it picks itself) for products of at least `oneDNNWork`
/// multiply-adds: 3–13 % less CPU per image than OpenBLAS on five of the six 224-px models of
/// BENCHMARKS.md ("Matrix products: oneDNN or OpenBLAS"). Smaller products stay in OpenBLAS: on
/// Swin-T, whose window attention makes thousands of 49x32x49 products, oneDNN for every product
/// gained nothing. `LOUPE_GEMM=openblas` or `onednn` forces one library; `LOUPE_ONEDNN=0` leaves
/// OpenBLAS alone.
public enum GEMMRule {
    public enum Library: String, Sendable {
        case openBLAS = "openblas"
        case oneDNN = "onednn"
    }

    /// Products of at least this many multiply-adds run in oneDNN.
    public static let oneDNNWork = 1 << 18

    static let forced = ProcessInfo.processInfo.environment["LOUPE_GEMM"].flatMap(Library.init(rawValue:))

    /// The library for an `m x k` by `k x n` product.
    public static func library(m: Int, n: Int, k: Int) -> Library {
        guard ConvolutionRule.oneDNNEnabled else { return .openBLAS }
        if let forced { return forced }
        return m * n * k >= oneDNNWork ? .oneDNN : .openBLAS
    }
}

/// OpenBLAS's own threads, switched off: Loupe spreads work over its own workers instead.
///
/// Idle OpenBLAS threads spin and yield for a while after each threaded call, taking a core from
/// Loupe's workers (measured: 18 % of a MobileNetV3 attribution run in the scheduler). So OpenBLAS
/// runs on the calling thread only, and `sgemm` cuts large products over the workers itself.
public enum BLASThreading {
    /// Products of at least this many multiply-adds are cut over the workers by `sgemm`.
    public static let splitWork = 1 << 21

    private static let pinned: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// Sets OpenBLAS to one thread (once per process); call before any direct `cblas_` call.
    @inline(__always) public static func pinToOneThread() {
        _ = pinned
    }
}
