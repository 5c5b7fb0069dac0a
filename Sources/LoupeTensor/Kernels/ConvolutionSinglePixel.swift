/// Pointwise convolutions of 1x1 maps (squeeze-and-excitation layers, convolutional classifier
/// heads) as one matrix product over the batch, each image's row computed alone (`sgemmRowwise`).
///
/// With one pixel per channel, an NCHW batch is already the `batch x channels` matrix of a fully
/// connected layer: `Y = X Wᵀ (+ bias)`, `dX = dY W`, `dW = dYᵀ X`. The general route would copy
/// every value into and out of im2col and staging matrices one element at a time.
extension ConvolutionKernel {
    /// Whether `g` is an ungrouped pointwise convolution of 1x1 maps.
    static func isSinglePixelProduct(_ g: ConvolutionGeometry) -> Bool {
        g.isPointwise && g.groups == 1 && g.inPlane == 1 && g.outPlane == 1
    }

    /// `Y = X Wᵀ + bias` for a single-pixel pointwise convolution (`isSinglePixelProduct`).
    static func singlePixelForward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                   geometry g: ConvolutionGeometry, output: UnsafeMutablePointer<Float>) {
        let (rows, m, c) = (g.batch, g.outChannels, g.inChannels)
        sgemmRowwise(transposeB: true, m: rows, n: m, k: c, a: input, lda: c, b: weight, ldb: c, c: output, ldc: m)
        if let bias { addRowBiasInPlace(bias, to: output, rows: rows, columns: m, then: nil) }
    }

    /// `dX = dY W` and `dW = dYᵀ X` for a single-pixel pointwise convolution (each overwritten when given).
    static func singlePixelBackward(input: UnsafePointer<Float>?, weight: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                    geometry g: ConvolutionGeometry, gradInput: UnsafeMutablePointer<Float>?,
                                    gradWeight: UnsafeMutablePointer<Float>?) {
        let (rows, m, c) = (g.batch, g.outChannels, g.inChannels)
        if let gradInput {
            sgemmRowwise(transposeB: false, m: rows, n: c, k: m, a: gradOutput, lda: m, b: weight, ldb: c, c: gradInput, ldc: c)
        }
        if let gradWeight, let input {
            sgemm(transposeA: true, m: m, n: c, k: rows, a: gradOutput, lda: m, b: input, ldb: c, c: gradWeight, ldc: c)
        }
    }
}
