/// Winograd F(2x2, 3x3) convolution (Lavin & Gray 2016) for 3x3, stride-1, dilation-1, ungrouped layers.
///
/// Each 2x2 block of outputs is computed from a 4x4 block of input through 16 products instead of 36:
/// input tiles are transformed (`Bᵀ d B`), the 16 transform positions become 16 GEMMs of the
/// transformed weights (`G g Gᵀ`, `16 x outChannels x inChannels`, prepared once by
/// `transformWeights`) with the transformed tiles, and `Aᵀ m A` turns each product back into 2x2
/// outputs. The transforms use only additions and halvings, so results match the direct sum to
/// float rounding. The input gradient of such a layer is again such a convolution (of the output
/// gradient by the flipped, transposed kernel: `inputGradientGeometry`, `transformWeights(transposed:)`).
/// Threading follows `ConvolutionKernel.ChunkPlan`: chunks of images on separate workers when the
/// batch allows, else the 16 products spread over the workers.
public enum WinogradConvolution {
    /// Transform positions per tile (4x4).
    public static let positions = 16
    /// Largest scratch (floats) for the transformed input and products of one chunk of images.
    public static let defaultChunkBudget = 1 << 20
    /// Tiles (GEMM columns) a chunk aims for.
    static let targetColumns = 256

    /// Whether `g` is a convolution this kernel computes (3x3, stride 1, dilation 1, one group).
    public static func applies(to g: ConvolutionGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
            && g.dilationHeight == 1 && g.dilationWidth == 1 && g.groups == 1
    }

    /// Whether the Winograd route is worth taking: it applies and the layer is wide enough
    /// for the 16 GEMMs to beat one im2col GEMM.
    public static func isWorthwhile(for g: ConvolutionGeometry) -> Bool {
        applies(to: g) && g.inChannels >= 16 && g.outChannels >= 16
    }

    /// The geometry whose forward pass is the input gradient of `g` (requires `applies(to: g)`).
    ///
    /// `dx = conv(dy, flipped transposed kernel)` with padding `2 - pad` and the input's extents; run it with
    /// `forward(..., inputGradient: true)` and the forward kernel's transform.
    public static func inputGradientGeometry(_ g: ConvolutionGeometry) -> ConvolutionGeometry {
        ConvolutionGeometry(batch: g.batch, inChannels: g.outChannels, inHeight: g.outHeight, inWidth: g.outWidth,
                            outChannels: g.inChannels, outHeight: g.inHeight, outWidth: g.inWidth,
                            kernelHeight: 3, kernelWidth: 3, padTop: 2 - g.padTop, padLeft: 2 - g.padLeft)
    }

    /// Floats in the transformed weights of an `outChannels x inChannels x 3 x 3` kernel.
    public static func transformedCount(outChannels: Int, inChannels: Int) -> Int {
        positions * outChannels * inChannels
    }

    /// Writes `U[ξ][m][c] = (G g Gᵀ)[ξ]` for every kernel `g = weight[m][c]` (`16 x outChannels x inChannels`).
    public static func transformWeights(_ weight: UnsafePointer<Float>, outChannels: Int, inChannels: Int,
                                        into u: UnsafeMutablePointer<Float>) {
        let pairs = outChannels * inChannels
        let w = UncheckedBox(weight), out = SendablePointer(u)
        Parallel.forEachChunk(pairs, grain: 4096) { range in
            for pair in range {
                let k = w.value + pair * 9
                // Rows of the kernel as vectors (lane 3 unused); t = G g (4 rows), then each row times Gᵀ.
                let g0 = SIMD4(k[0], k[1], k[2], 0), g1 = SIMD4(k[3], k[4], k[5], 0), g2 = SIMD4(k[6], k[7], k[8], 0)
                let rows = (g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2)
                for (i, t) in [rows.0, rows.1, rows.2, rows.3].enumerated() {
                    let base = out.base + (4 * i) * pairs + pair
                    base[0] = t[0]
                    base[pairs] = 0.5 * (t[0] + t[1] + t[2])
                    base[2 * pairs] = 0.5 * (t[0] - t[1] + t[2])
                    base[3 * pairs] = t[2]
                }
            }
        }
    }

    /// The position of the untransposed kernel's transform that serves position `position` of the
    /// input-gradient kernel: flipping a 3x3 kernel swaps rows (and columns) 0 and 3 of `G g Gᵀ`.
    static func flippedPosition(_ position: Int) -> Int {
        let swap = { (i: Int) in i == 0 ? 3 : (i == 3 ? 0 : i) }
        return 4 * swap(position / 4) + swap(position % 4)
    }

    /// Floats between transform positions in a scratch of `rows x columns` matrices: padded so the
    /// 16 streams of a tile transform never share cache sets (a plain power-of-two stride would).
    static func positionStride(rows: Int, columns: Int) -> Int {
        rows * columns + 16
    }

    /// Writes the convolution of `input` by the kernel behind `transformedWeight` (plus `bias`) into `output`.
    ///
    /// `transformedWeight` comes from `transformWeights` of the `[outChannels, inChannels, 3, 3]` kernel of `g`,
    /// or, with `inputGradient`, of the forward kernel `[inChannels, outChannels, 3, 3]` whose input gradient
    /// this is (`g` then being `inputGradientGeometry` of the forward geometry). Shapes follow `g`, which must
    /// satisfy `applies(to:)`. The output is fully overwritten.
    public static func forward(input: UnsafePointer<Float>, transformedWeight: UnsafePointer<Float>, inputGradient: Bool = false,
                               bias: UnsafePointer<Float>?, geometry g: ConvolutionGeometry,
                               output: UnsafeMutablePointer<Float>, chunkBudget: Int = defaultChunkBudget) {
        if g.batch == 0 || g.outChannels == 0 || g.outPlane == 0 { return }
        let tiles = tilesPerImage(g)
        let perImage = positions * (g.inChannels + g.outChannels) * tiles
        // Enough images per chunk for wide GEMMs (each repacks its transformed kernel), within the budget.
        let wanted = (targetColumns + tiles - 1) / tiles
        let plan = ConvolutionKernel.ChunkPlan(batch: g.batch, perImage: perImage,
                                               budget: min(chunkBudget, wanted * perImage), onlyWhenEnoughChunks: true)
        let x = UncheckedBox(input), u = UncheckedBox(transformedWeight), b = UncheckedBox(bias)
        let y = SendablePointer(output)
        let per = plan.imagesPerChunk
        let (m, c) = (g.outChannels, g.inChannels)
        plan.run { first, count, parallel in
            let t = count * tiles
            let (inStride, outStride) = (positionStride(rows: c, columns: t), positionStride(rows: m, columns: t))
            ConvolutionScratch.with(positions * positionStride(rows: c, columns: per * tiles)) { v in
                ConvolutionScratch.with(positions * positionStride(rows: m, columns: per * tiles)) { products in
                    transformInput(x.value, geometry: g, first: first, count: count, into: v, positionStride: inStride,
                                   parallel: parallel)
                    let (vs, ps) = (UncheckedBox(UnsafePointer(v)), SendablePointer(products))
                    let multiply = { (range: Range<Int>) in
                        for position in range {
                            let target = ps.base + position * outStride, source = vs.value + position * inStride
                            if inputGradient {
                                // The stored kernel is [c][m] per position: use it transposed, at the flipped position.
                                sgemm(transposeA: true, m: m, n: t, k: c, a: u.value + flippedPosition(position) * m * c,
                                      lda: m, b: source, ldb: t, c: target, ldc: t)
                            } else {
                                sgemm(m: m, n: t, k: c, a: u.value + position * m * c, lda: c, b: source, ldb: t,
                                      c: target, ldc: t)
                            }
                        }
                    }
                    if parallel {
                        // One chunk for the whole batch: the 16 products go to the workers instead.
                        Parallel.forEachChunk(positions, grain: 1, multiply)
                    } else {
                        multiply(0..<positions)
                    }
                    transformOutput(products, bias: b.value, geometry: g, first: first, count: count, into: y.base,
                                    positionStride: outStride, parallel: parallel)
                }
            }
        }
    }

    /// Output tiles (2x2 blocks) per image.
    static func tilesPerImage(_ g: ConvolutionGeometry) -> Int {
        ((g.outHeight + 1) / 2) * ((g.outWidth + 1) / 2)
    }

    @inline(__always) static func load<Lanes: SIMD>(_ p: UnsafePointer<Float>, as _: Lanes.Type) -> Lanes
    where Lanes.Scalar == Float {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    /// Stores the first `valid` lanes of `v` at `p`.
    @inline(__always) static func store<Lanes: SIMD>(_ v: Lanes, _ p: UnsafeMutablePointer<Float>, valid: Int)
    where Lanes.Scalar == Float {
        if valid == Lanes.scalarCount {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
        } else {
            for lane in 0..<valid { p[lane] = v[lane] }
        }
    }

    /// The vector width for rows of `tilesWide` tiles: as wide as a tile row allows (a 4x4 map has 2 tiles
    /// a row), so small maps still store whole vectors.
    enum LaneWidth {
        case eight, four, two

        init(tilesWide: Int) {
            self = tilesWide >= 8 ? .eight : (tilesWide >= 4 ? .four : .two)
        }
    }

    /// `transformInput(lanes:)` at the lane width that fits the tile rows.
    static func transformInput(_ input: UnsafePointer<Float>, geometry g: ConvolutionGeometry, first: Int, count: Int,
                               into v: UnsafeMutablePointer<Float>, positionStride: Int, parallel: Bool) {
        switch LaneWidth(tilesWide: (g.outWidth + 1) / 2) {
        case .eight: transformInput(input, geometry: g, first: first, count: count, into: v, positionStride: positionStride,
                                    parallel: parallel, lanes: SIMD8<Float>.self)
        case .four: transformInput(input, geometry: g, first: first, count: count, into: v, positionStride: positionStride,
                                   parallel: parallel, lanes: SIMD4<Float>.self)
        case .two: transformInput(input, geometry: g, first: first, count: count, into: v, positionStride: positionStride,
                                  parallel: parallel, lanes: SIMD2<Float>.self)
        }
    }

    /// `transformOutput(lanes:)` at the lane width that fits the tile rows.
    static func transformOutput(_ products: UnsafePointer<Float>, bias: UnsafePointer<Float>?, geometry g: ConvolutionGeometry,
                                first: Int, count: Int, into output: UnsafeMutablePointer<Float>, positionStride: Int,
                                parallel: Bool) {
        switch LaneWidth(tilesWide: (g.outWidth + 1) / 2) {
        case .eight: transformOutput(products, bias: bias, geometry: g, first: first, count: count, into: output,
                                     positionStride: positionStride, parallel: parallel, lanes: SIMD8<Float>.self)
        case .four: transformOutput(products, bias: bias, geometry: g, first: first, count: count, into: output,
                                    positionStride: positionStride, parallel: parallel, lanes: SIMD4<Float>.self)
        case .two: transformOutput(products, bias: bias, geometry: g, first: first, count: count, into: output,
                                   positionStride: positionStride, parallel: parallel, lanes: SIMD2<Float>.self)
        }
    }

    /// `V[ξ][c][tile]` for images `first..<first+count`, eight tiles of a tile row at a time.
    ///
    /// Each channel plane is first split into zero-bordered even and odd columns, so the four columns
    /// of eight neighbouring 4x4 windows (starting at even columns) are four contiguous vector loads.
    static func transformInput<Lanes: SIMDLanes>(_ input: UnsafePointer<Float>, geometry g: ConvolutionGeometry, first: Int,
                                                 count: Int, into v: UnsafeMutablePointer<Float>, positionStride stride: Int,
                                                 parallel: Bool, lanes _: Lanes.Type) {
        let (tilesHigh, tilesWide) = ((g.outHeight + 1) / 2, (g.outWidth + 1) / 2)
        let tiles = tilesHigh * tilesWide, total = count * tiles
        let rows = 2 * tilesHigh + 2
        // Even/odd column pairs per padded row, rounded up so vector loads at tx + 1 stay inside.
        let width = (tilesWide + Lanes.scalarCount) / Lanes.scalarCount * Lanes.scalarCount + Lanes.scalarCount
        let x = UncheckedBox(input), out = SendablePointer(v)
        let items = count * g.inChannels
        Parallel.forEachChunk(items, grain: parallel ? max(1, (1 << 14) / max(1, g.inPlane)) : Int.max) { range in
            let even = UnsafeMutablePointer<Float>.allocate(capacity: 2 * rows * width)
            let columns = UnsafeMutablePointer<Lanes>.allocate(capacity: 16)
            defer {
                even.deallocate()
                columns.deallocate()
            }
            let odd = even + rows * width
            even.update(repeating: 0, count: 2 * rows * width)
            for item in range {
                let (n, c) = item.quotientAndRemainder(dividingBy: g.inChannels)
                let plane = x.value + ((first + n) * g.inChannels + c) * g.inPlane
                for row in 0..<rows {
                    let source = row - g.padTop
                    let (e, o) = (even + row * width, odd + row * width)
                    guard source >= 0, source < g.inHeight else {
                        e.update(repeating: 0, count: tilesWide + 1)
                        o.update(repeating: 0, count: tilesWide + 1)
                        continue
                    }
                    let line = plane + source * g.inWidth
                    for j in 0...tilesWide {
                        let column = 2 * j - g.padLeft
                        e[j] = column >= 0 && column < g.inWidth ? line[column] : 0
                        o[j] = column + 1 >= 0 && column + 1 < g.inWidth ? line[column + 1] : 0
                    }
                }
                let target = out.base + c * total + n * tiles
                for ty in 0..<tilesHigh {
                    for tx in Swift.stride(from: 0, to: tilesWide, by: Lanes.scalarCount) {
                        // Column transform of each of the four window rows: c_s = (d Bᵀ... ) per row.
                        for r in 0..<4 {
                            let base = (2 * ty + r) * width + tx
                            let e0 = load(even + base, as: Lanes.self), e1 = load(even + base + 1, as: Lanes.self)
                            let o0 = load(odd + base, as: Lanes.self), o1 = load(odd + base + 1, as: Lanes.self)
                            columns[r] = e0 - e1
                            columns[4 + r] = o0 + e1
                            columns[8 + r] = e1 - o0
                            columns[12 + r] = o0 - o1
                        }
                        let valid = min(Lanes.scalarCount, tilesWide - tx)
                        let slot = target + ty * tilesWide + tx
                        for s in 0..<4 {
                            let (c0, c1, c2, c3) = (columns[4 * s], columns[4 * s + 1], columns[4 * s + 2], columns[4 * s + 3])
                            store(c0 - c2, slot + s * stride, valid: valid)
                            store(c1 + c2, slot + (4 + s) * stride, valid: valid)
                            store(c2 - c1, slot + (8 + s) * stride, valid: valid)
                            store(c1 - c3, slot + (12 + s) * stride, valid: valid)
                        }
                    }
                }
            }
        }
    }

    /// Turns the products `M[ξ][m][tile]` back into 2x2 output blocks (`Aᵀ M A`), adding the bias,
    /// eight tiles of a tile row at a time.
    static func transformOutput<Lanes: SIMDLanes>(_ products: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                                  geometry g: ConvolutionGeometry, first: Int, count: Int,
                                                  into output: UnsafeMutablePointer<Float>, positionStride stride: Int,
                                                  parallel: Bool, lanes _: Lanes.Type) {
        let (tilesHigh, tilesWide) = ((g.outHeight + 1) / 2, (g.outWidth + 1) / 2)
        let tiles = tilesHigh * tilesWide, total = count * tiles
        let src = UncheckedBox(products), b = UncheckedBox(bias), y = SendablePointer(output)
        let items = count * g.outChannels
        Parallel.forEachChunk(items, grain: parallel ? max(1, (1 << 14) / max(1, g.outPlane)) : Int.max) { range in
            let top = UnsafeMutablePointer<Lanes>.allocate(capacity: 8)
            defer { top.deallocate() }
            let bottom = top + 4
            for item in range {
                let (n, m) = item.quotientAndRemainder(dividingBy: g.outChannels)
                let shift = Lanes(repeating: b.value?[m] ?? 0)
                let plane = y.base + ((first + n) * g.outChannels + m) * g.outPlane
                let source = src.value + m * total + n * tiles
                for ty in 0..<tilesHigh {
                    for tx in Swift.stride(from: 0, to: tilesWide, by: Lanes.scalarCount) {
                        let p = source + ty * tilesWide + tx
                        // Row combination Aᵀ M (per column s), then the column combination.
                        for s in 0..<4 {
                            let q0 = load(p + s * stride, as: Lanes.self), q1 = load(p + (4 + s) * stride, as: Lanes.self)
                            let q2 = load(p + (8 + s) * stride, as: Lanes.self), q3 = load(p + (12 + s) * stride, as: Lanes.self)
                            top[s] = q0 + q1 + q2
                            bottom[s] = q1 - q2 - q3
                        }
                        let y00 = top[0] + top[1] + top[2] + shift, y01 = top[1] - top[2] - top[3] + shift
                        let y10 = bottom[0] + bottom[1] + bottom[2] + shift, y11 = bottom[1] - bottom[2] - bottom[3] + shift
                        let valid = min(Lanes.scalarCount, tilesWide - tx)
                        let oy = 2 * ty
                        let row0 = plane + oy * g.outWidth, hasRow1 = oy + 1 < g.outHeight
                        for lane in 0..<valid {
                            let ox = 2 * (tx + lane)
                            row0[ox] = y00[lane]
                            if ox + 1 < g.outWidth { row0[ox + 1] = y01[lane] }
                            if hasRow1 {
                                row0[g.outWidth + ox] = y10[lane]
                                if ox + 1 < g.outWidth { row0[g.outWidth + ox + 1] = y11[lane] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The float vectors the tile transforms run on.
protocol SIMDLanes: SIMD where Scalar == Float {}
extension SIMD8: SIMDLanes where Scalar == Float {}
extension SIMD4: SIMDLanes where Scalar == Float {}
extension SIMD2: SIMDLanes where Scalar == Float {}
