/// The depthwise forward pass one plane at a time, vectorised along output rows.
///
/// Each input plane is copied once into a zero-padded buffer; with a column stride of 2 each padded
/// row is stored as its even columns, then its odd ones. Every kernel tap is then a contiguous run
/// of the buffer, so eight neighbouring outputs of a row take one 8-lane load and one fused
/// multiply-add per tap, with no gathers, no bounds tests and no scatter back to planes. It serves
/// undilated layers with strides of 1 or 2 (MobileNet's and EfficientNet's depthwise layers on
/// maps larger than the small-plane route's); others take the interleaved kernel.
extension DepthwiseConvolution {
    /// Whether the row kernel runs the forward pass of `g`.
    static func usesRowKernel(_ g: ConvolutionGeometry) -> Bool {
        g.dilationHeight == 1 && g.dilationWidth == 1 && (1...2).contains(g.strideHeight) && (1...2).contains(g.strideWidth)
            && g.kernelHeight * g.kernelWidth <= 81 && g.outWidth >= lanes
    }

    /// The padded copy of one plane: `rows` rows, each `phases` runs of `phaseWidth` columns.
    struct PaddedRows {
        let geometry: ConvolutionGeometry
        let rows: Int
        let phases: Int
        let phaseWidth: Int
        /// Outputs per row rounded up to whole vectors.
        let vectorWidth: Int
        /// Floats between the first padded rows of two neighbouring output rows.
        let outputRowStride: Int
        /// Where tap (i, j), in row-major order, starts in the buffer, relative to the first output of a row.
        let tapOffsets: [Int]

        init(_ g: ConvolutionGeometry) {
            geometry = g
            rows = (g.outHeight - 1) * g.strideHeight + g.kernelHeight
            phases = g.strideWidth
            vectorWidth = (g.outWidth + lanes - 1) / lanes * lanes
            phaseWidth = vectorWidth + (g.kernelWidth - 1) / g.strideWidth
            outputRowStride = g.strideHeight * phases * phaseWidth
            let (phases, phaseWidth) = (phases, phaseWidth)
            tapOffsets = (0..<g.kernelHeight).flatMap { i in
                (0..<g.kernelWidth).map { j in (i * phases + j % phases) * phaseWidth + j / phases }
            }
        }

        var count: Int { rows * phases * phaseWidth }

        /// Copies `plane` into `buffer`, zeros where the windows reach past the input.
        func fill(_ plane: UnsafePointer<Float>, into buffer: UnsafeMutablePointer<Float>) {
            let g = geometry
            for r in 0..<rows {
                let h = r - g.padTop
                let row = buffer + r * phases * phaseWidth
                guard h >= 0, h < g.inHeight else {
                    row.update(repeating: 0, count: phases * phaseWidth)
                    continue
                }
                let source = plane + h * g.inWidth
                if phases == 1 {
                    // Columns: padding, the input row (clipped), padding.
                    let first = max(0, g.padLeft), skip = max(0, -g.padLeft)
                    let copied = max(0, min(g.inWidth - skip, phaseWidth - first))
                    row.update(repeating: 0, count: min(first, phaseWidth))
                    if copied > 0 { row.advanced(by: first).update(from: source + skip, count: copied) }
                    let end = first + copied
                    if end < phaseWidth { row.advanced(by: end).update(repeating: 0, count: phaseWidth - end) }
                    continue
                }
                for phase in 0..<phases {
                    // Run entry q holds input column phases * q + phase - padLeft: zero outside the row.
                    let run = row + phase * phaseWidth
                    let shift = phase - g.padLeft
                    let firstInside = min(phaseWidth, max(0, (-shift + phases - 1) / phases))
                    let pastInside = min(phaseWidth, max(firstInside, (g.inWidth - shift + phases - 1) / phases))
                    run.update(repeating: 0, count: firstInside)
                    var q = firstInside
                    if phases == 2 {
                        // Sixteen columns at a time, the even ones kept; the last load must stay inside the row.
                        while q + lanes <= pastInside && 2 * q + shift + 2 * lanes <= g.inWidth {
                            let pair = UnsafeRawPointer(source + 2 * q + shift).loadUnaligned(as: SIMD16<Float>.self)
                            store(pair.evenHalf, run + q)
                            q += lanes
                        }
                    }
                    while q < pastInside {
                        run[q] = source[phases * q + shift]
                        q += 1
                    }
                    if pastInside < phaseWidth { (run + pastInside).update(repeating: 0, count: phaseWidth - pastInside) }
                }
            }
        }
    }

    /// Writes the depthwise convolution of `input` (plus `bias`) into `output`, then `epilogue` of each plane.
    static func forwardByRows(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                              geometry g: ConvolutionGeometry, output: UnsafeMutablePointer<Float>, epilogue: UnaryFunction?) {
        let layout = PaddedRows(g)
        let taps = g.kernelHeight * g.kernelWidth
        let planes = g.batch * g.outChannels
        let x = UncheckedBox(input), w = UncheckedBox(weight), b = UncheckedBox(bias), out = SendablePointer(output)
        let grain = max(1, (1 << 15) / max(1, g.outPlane * taps))
        Parallel.forEachChunk(planes, grain: grain) { range in
            let padded = UnsafeMutablePointer<Float>.allocate(capacity: layout.count)
            let row = UnsafeMutablePointer<Float>.allocate(capacity: lanes)
            let splats = UnsafeMutablePointer<Lanes>.allocate(capacity: taps)
            defer {
                padded.deallocate()
                row.deallocate()
                splats.deallocate()
            }
            let offsets = layout.tapOffsets
            for plane in range {
                let channel = plane % g.outChannels
                layout.fill(x.value + plane * g.inPlane, into: padded)
                for t in 0..<taps { splats[t] = Lanes(repeating: w.value[channel * taps + t]) }
                let start = Lanes(repeating: b.value?[channel] ?? 0)
                let dst = out.base + plane * g.outPlane
                for oh in 0..<g.outHeight {
                    let top = padded + oh * layout.outputRowStride
                    let outRow = dst + oh * g.outWidth
                    var column = 0
                    while column < layout.vectorWidth {
                        var acc = start
                        for t in 0..<taps { acc = acc.addingProduct(splats[t], load(top + offsets[t] + column)) }
                        if column + lanes <= g.outWidth {
                            store(acc, outRow + column)
                        } else {
                            store(acc, row)
                            (outRow + column).update(from: row, count: g.outWidth - column)
                        }
                        column += lanes
                    }
                }
                if let epilogue { applyUnaryInPlace(epilogue, to: dst, count: g.outPlane) }
            }
        }
    }
}
