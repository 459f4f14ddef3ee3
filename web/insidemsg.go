package web

// insideMessages are the words of the gates, the rows' attribution and
// the cell's step (gates.go, attribution.go, cellstep.go), in one
// language.
type insideMessages struct {
	showGates, hideGates string
	gatesHint            string
	summaryCaption       string    // layer
	gateCaption          [4]string // layer, units; i, f, g, o
	step                 string    // step number
	summary              string    // layer, mean f, units holding, units, units wiping
	cellHint             string
	cellTitle            string // layer, step, unit
	cellShapes           string // x_t's description, h width, rows, x width, rows, h width, rows
	xImage               string // step, width
	xBelow               string // layer below, step, width
	gateLine             string // in, rec, bias, z, activation, value
	cellOutro            string
	gatesTime            string // trace ms, painting ms
	cellTime             string // ms
	attrLabel            string
	attrCaption          string // class
	attrGrad, attrOcc    string // top rows, milliseconds
}

var insideEnglish = &insideMessages{
	showGates: "Show the gates", hideGates: "Hide the gates",
	gatesHint:      "The four gates of each layer at each step, from the same forward pass that predicts: i (input: how much of the candidate enters the cell), f (forget: how much of the cell is kept), g (the candidate, in [−1, 1]) and o (output: how much of tanh(c) becomes h). Blue is near 1 for i, f and o. Click a cell of a map to see its arithmetic.",
	summaryCaption: "Layer %d forget gate per step: mean, share of units above 0.95 and below 0.05",
	gateCaption: [4]string{
		"Layer %d input gate i (28 steps × %d units)", "Layer %d forget gate f (28 steps × %d units)",
		"Layer %d candidate g (28 steps × %d units)", "Layer %d output gate o (28 steps × %d units)",
	},
	step:      "Step %d",
	summary:   "layer %d: mean f %.2f, %d of %d units hold their memory (f > 0.95), %d wipe it (f < 0.05)",
	cellHint:  "Click a cell of a map (a step and a unit) to see how the model computed it, with its real numbers.",
	cellTitle: "Layer %d, step %d, unit %d",
	cellShapes: "x_t is %s; h_{t−1} is this layer's h after the step before ([%d], zeros before step 1). W_ih is the layer's weight_ih [%d, %d], " +
		"W_hh its weight_hh [%d, %d], and b = bias_ih + bias_hh [%d]: the four gates are their four blocks of rows, i, f, g, o, and the row of this unit in each is used.",
	xImage:    "row %d of the 28×28 image ([%d] pixels)",
	xBelow:    "layer %d's h at step %d ([%d] values)",
	gateLine:  "%s + %s + %s = %s; %s gives %s",
	cellOutro: "These are the values the page's forward pass computed; c_t and h_t go on to the next step, and h_t to the layer above (or, at the last step of the top layer, to the classifier).",
	gatesTime: "This drawing's trace (h, c and the gates of every step) took %.2f ms in this tab, painting the gates %.2f ms.",
	cellTime:  "Worked out in %.2f ms.",
	attrLabel: "Each row's attribution: gradient × input (left) and occlusion (right)",
	attrCaption: "Which rows decided the %d: left, gradient × input (the backward pass); right, occlusion (the probability lost when the row is blanked). " +
		"Red rows speak for it, blue against.",
	attrGrad: "Gradient × input: rows %s lead (%.2f ms)",
	attrOcc:  "Occlusion: rows %s lead (%.2f ms)",
}

var insideChinese = &insideMessages{
	showGates: "显示门", hideGates: "隐藏门",
	gatesHint:      "每一层在每一步的四个门，来自做出预测的同一次前向计算：i（输入门：候选值有多少写入细胞）、f（遗忘门：细胞保留多少）、g（候选值，在 [−1, 1] 之间）和 o（输出门：tanh(c) 有多少成为 h）。对 i、f、o 而言，蓝色接近 1。点击图中的一格，查看它的计算过程。",
	summaryCaption: "第 %d 层每一步的遗忘门：平均值、大于 0.95 与小于 0.05 的单元比例",
	gateCaption: [4]string{
		"第 %d 层输入门 i（28 步 × %d 个单元）", "第 %d 层遗忘门 f（28 步 × %d 个单元）",
		"第 %d 层候选值 g（28 步 × %d 个单元）", "第 %d 层输出门 o（28 步 × %d 个单元）",
	},
	step:      "第 %d 步",
	summary:   "第 %d 层：f 平均 %.2f，%d / %d 个单元保留记忆（f > 0.95），%d 个清除记忆（f < 0.05）",
	cellHint:  "点击图中的一格（一个时间步和一个单元），查看模型如何用真实的数值算出它。",
	cellTitle: "第 %d 层，第 %d 步，第 %d 个单元",
	cellShapes: "x_t 是%s；h_{t−1} 是本层上一步之后的 h（[%d]，第 1 步之前为零）。W_ih 是本层的 weight_ih [%d, %d]，" +
		"W_hh 是 weight_hh [%d, %d]，b = bias_ih + bias_hh [%d]：四个门是它们的四段行，依次为 i、f、g、o，每段中取这个单元对应的那一行。",
	xImage:    "28×28 图像的第 %d 行（[%d] 个像素）",
	xBelow:    "第 %d 层在第 %d 步的 h（[%d] 个值）",
	gateLine:  "%s + %s + %s = %s；经 %s 得 %s",
	cellOutro: "这些就是页面的前向计算得到的数值；c_t 和 h_t 传给下一步，h_t 也传给上一层（在顶层的最后一步则传给分类器）。",
	gatesTime: "这次绘画的逐步记录（每一步的 h、c 和门）在本页用了 %.2f 毫秒，画出门用了 %.2f 毫秒。",
	cellTime:  "计算用了 %.2f 毫秒。",
	attrLabel: "每一行的归因：梯度 × 输入（左）与遮挡（右）",
	attrCaption: "哪些行决定了 %d：左为梯度 × 输入（反向传播）；右为遮挡（把这一行涂空后失去的概率）。" +
		"红色的行支持它，蓝色的行反对它。",
	attrGrad: "梯度 × 输入：第 %s 行最重要（%.2f 毫秒）",
	attrOcc:  "遮挡：第 %s 行最重要（%.2f 毫秒）",
}

// deep returns the words of the deeper views in m's language.
func (m *messages) deep() *insideMessages { return inLanguage(m, insideEnglish, insideChinese) }
