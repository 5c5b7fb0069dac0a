import CBLAS
import LoupeTensor

/// EigenCAM's projection of activations on their first principal component (docs/attribution.md#eigen-cam).
enum EigenProjection {
    /// For each image: centre the (h·w) x K matrix per channel, project on the first right-singular
    /// vector, and flip the sign when |min| > |max| (the sign correction the report states).
    static func firstComponentMaps(_ activation: Tensor) throws -> Tensor {
        let (n, k, h, w) = (activation.shape[0], activation.shape[1], activation.shape[2], activation.shape[3])
        let z = h * w
        var out = Tensor(shape: [n, 1, h, w])
        for image in 0..<n {
            // R is z x K, row-major: R[p, channel].
            var r = [Float](repeating: 0, count: z * k)
            for channel in 0..<k {
                var mean: Float = 0
                for p in 0..<z {
                    let v = activation.scalars[(image * k + channel) * z + p]
                    r[p * k + channel] = v.isNaN ? 0 : v
                    mean += r[p * k + channel]
                }
                mean /= Float(z)
                for p in 0..<z { r[p * k + channel] -= mean }
            }
            let vector = try topEigenvector(of: r, rows: z, columns: k)
            var projection = [Float](repeating: 0, count: z)
            for p in 0..<z {
                var sum: Float = 0
                for channel in 0..<k { sum += r[p * k + channel] * vector[channel] }
                projection[p] = sum
            }
            if abs(projection.min() ?? 0) > abs(projection.max() ?? 0) { projection = projection.map { -$0 } }
            for p in 0..<z { out.scalars[image * z + p] = projection[p] }
        }
        return out
    }

    /// The unit eigenvector of RᵀR with the largest eigenvalue (LAPACK ssyevd).
    static func topEigenvector(of r: [Float], rows: Int, columns: Int) throws -> [Float] {
        var gram = [Float](repeating: 0, count: columns * columns)
        BLASThreading.pinToOneThread()
        r.withUnsafeBufferPointer { rp in
            gram.withUnsafeMutableBufferPointer { gp in
                cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), Int32(rows), 1,
                            rp.baseAddress, Int32(columns), 0, gp.baseAddress, Int32(columns))
            }
        }
        // Row-major upper == column-major lower of the same buffer.
        var n = Int32(columns), lda = Int32(columns), info: Int32 = 0
        var eigenvalues = [Float](repeating: 0, count: columns)
        var workSize: Float = 0, iworkSize: Int32 = 0
        var lwork: Int32 = -1, liwork: Int32 = -1
        ssyevd_("V", "L", &n, &gram, &lda, &eigenvalues, &workSize, &lwork, &iworkSize, &liwork, &info, 1, 1)
        lwork = Int32(workSize); liwork = iworkSize
        var work = [Float](repeating: 0, count: Int(max(1, lwork)))
        var iwork = [Int32](repeating: 0, count: Int(max(1, liwork)))
        ssyevd_("V", "L", &n, &gram, &lda, &eigenvalues, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        guard info == 0 else { throw LoupeError(.computation, location: "EigenCAM", "eigen-decomposition failed (info \(info))") }
        // Column-major eigenvectors: the last column belongs to the largest eigenvalue.
        return Array(gram[((columns - 1) * columns)..<(columns * columns)])
    }
}
