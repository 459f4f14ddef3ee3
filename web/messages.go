package web

import "strings"

// messages is every piece of text the page shows, in one language.
// Templates take their values with fmt verbs in the order the comment gives.
type messages struct {
	lang, langName, switchTo string

	title, tagline                 string
	loading, loadFailed            string
	modelInfo                      string // accuracy %, test images, size KiB
	draw, drawHint                 string
	clear, undo, example           string
	modelSees, prediction, noInk   string
	probabilities, inferenceMs     string // inferenceMs: milliseconds, the kernels (simd or noSIMD)
	simd, noSIMD                   string // the kernels the page and its workers compute with
	inside, insideHint, step       string // step: step number
	probsPerStep                   string
	hidden, cell                   string // layer number
	howTitle                       string
	howIntro                       string
	howArgs                        [][2]string
	howOutputs                     [][2]string
	howOutro                       string
	canvasLabel, modelInputLabel   string
	stepSliderLabel, languageLabel string

	// The model panel.
	modelTitle                        string
	sourceBundled, sourceTrained      string
	sourceUploaded                    string // file name
	modelShape                        string // parameters, hidden size, layers
	modelAccuracy                     string // accuracy %, test images
	modelUntested                     string
	download, upload, reset           string
	uploadFailed                      string // file name, error
	uploadDone                        string // file name
	modelKept                         string
	storageFailed                     string // error
	storedOnly                        string
	trainTitle, trainHint             string
	interrupted                       string // epochs done, epochs, start from, training images, batch
	resumeRun, discardRun             string
	startFrom, fromModel, fromScratch string
	hiddenSize, layers, learningRate  string
	batchSize, epochs                 string
	trainImages, testImages           string
	workers, ownRepeats               string
	start, pause, resume, stop        string
	starting                          string
	progress                          string // epoch, epochs, batch, batches
	speed                             string // samples/s, time left
	paused                            string
	lossLabel, accuracyLabel          string
	throughputLabel                   string
	memoryLabel, memory               string // memory: the worker's and the page's MiB
	lossChart, accuracyChart          string
	confusion                         string // test images
	perClass                          string
	trainDone, trainStopped           string // accuracy %
	trainFailed                       string // error
	ownTitle, ownHint                 string
	thisDigitIs, addSample            string
	ownCount                          string // digits saved
	teach, forget, drawFirst          string
	ownNone                           string
}

// english and chinese are the two message tables; pick chooses between them.
var (
	english = &messages{
		lang: "en", langName: "English", switchTo: "中文",
		title:   "lstm-digits",
		tagline: "An LSTM reads your handwritten digit one row of pixels at a time, here in your browser.",
		loading: "Loading the model…", loadFailed: "Something went wrong: %v",
		modelInfo: "Bundled model: %.2f%% correct on the %d MNIST test images · %d KiB",
		draw:      "Draw a digit", drawHint: "Draw with a mouse, finger or pen. Keys: Delete clears, Ctrl+Z undoes, E draws an example.",
		clear: "Clear", undo: "Undo", example: "Example",
		modelSees: "What the model sees (28×28)", prediction: "Prediction", noInk: "Draw a digit to see what the model reads.",
		probabilities: "Probabilities", inferenceMs: "One prediction took %.2f ms (WebAssembly with %s, in this tab)",
		simd: "the SIMD128 kernels", noSIMD: "the pure-Go kernels, slower: this browser has no WebAssembly SIMD128",
		inside:       "Inside the LSTM",
		insideHint:   "Each row is one time step: the model has read that many rows of the image. Point at a row (or move the slider) to highlight it in the 28×28 image.",
		step:         "Step %d of 28",
		probsPerStep: "Class probabilities after each step (columns 0–9)",
		hidden:       "Layer %d hidden state h (28 steps × %d units)",
		cell:         "Layer %d cell state c, as tanh(c) (28 steps × %d units)",
		howTitle:     "How this model works",
		howIntro:     "The model is PyTorch's nn.LSTM(input_size=28, hidden_size=128, num_layers=2, batch_first=True) followed by nn.Linear(128, 10), computed here by Go compiled to WebAssembly.",
		howArgs: [][2]string{
			{"input_size = 28", "the features read at each step: one row of 28 pixels. The 28 rows are the 28 time steps."},
			{"hidden_size = 128", "the size of the state h (and the cell c) each layer carries from step to step: the 128 columns of the maps above."},
			{"num_layers = 2", "two LSTMs stacked: layer 2 reads layer 1's h at each step instead of the pixels."},
			{"batch_first = True", "the input is shaped [batch, steps, features] = [1, 28, 28], not [steps, batch, features]."},
		},
		howOutputs: [][2]string{
			{"output [1, 28, 128]", "the top layer's h at every step (the “layer 2 hidden state” map). The classifier uses only its last row."},
			{"h_n [2, 1, 128]", "each layer's h after the last step: the last row of each hidden map."},
			{"c_n [2, 1, 128]", "each layer's cell state after the last step: the memory gates write to and read from."},
		},
		howOutro:        "The linear layer turns the last h into 10 scores, and softmax turns them into the probabilities. The per-step probabilities above apply the same linear layer to h after each step, as if the image ended there.",
		canvasLabel:     "Drawing area: draw one digit",
		modelInputLabel: "The 28×28 image the model reads",
		stepSliderLabel: "Time step to highlight",
		languageLabel:   "Language",

		modelTitle:    "The model",
		sourceBundled: "The bundled model", sourceTrained: "Trained in this browser", sourceUploaded: "Uploaded from %s",
		modelShape:    "%d parameters · hidden size %d · %d layer(s)",
		modelAccuracy: "%.2f%% correct on %d test images", modelUntested: "not yet tested",
		download: "Download (.safetensors)", upload: "Upload a .safetensors model", reset: "Back to the bundled model",
		uploadFailed: "Could not use %s: %v", uploadDone: "Now using %s.", modelKept: "The previous model is kept.",
		storageFailed: "This browser did not keep the model (%v); it is used until you leave the page.",
		storedOnly:    "Kept in this browser: it is still here after a reload.",
		interrupted:   "A run was cut short (the page was reloaded or closed) after epoch %d of %d: %s, %d training images, batches of %d. Resume it from there, to the same end as if it had never stopped?",
		resumeRun:     "Resume the run", discardRun: "Discard it",
		trainTitle: "Train it in your browser",
		trainHint:  "The real 2-layer LSTM trains here, in Web Workers running the same Go code, on 10,000 MNIST images shipped with the page, or on all of MNIST. The page stays responsive; the drawing above uses the new model after every epoch.",
		startFrom:  "Start from", fromModel: "the current model (fine-tune)", fromScratch: "scratch (random weights)",
		hiddenSize: "Hidden size", layers: "Layers", learningRate: "Learning rate", batchSize: "Batch size", epochs: "Epochs",
		trainImages: "Training images", testImages: "Test images", workers: "Workers", ownRepeats: "Your digits, repeated",
		start: "Start", pause: "Pause", resume: "Resume", stop: "Stop",
		starting:  "Starting %d worker(s) and loading the images…",
		progress:  "Epoch %d of %d · batch %d of %d",
		speed:     "%.0f samples/s · %s left",
		paused:    "Paused",
		lossLabel: "Loss", accuracyLabel: "Test accuracy", throughputLabel: "Samples/s",
		memoryLabel: "Memory (worker · page)", memory: "%d · %d MiB",
		lossChart:     "Training loss, batch by batch",
		accuracyChart: "Accuracy: each training batch (line), the test images after each epoch (dots)",
		confusion:     "Confusion matrix on the %d test images: rows are the true digit, columns the prediction",
		perClass:      "Per digit",
		trainDone:     "Done: %.2f%% correct on the test images. The drawing above uses this model now.",
		trainStopped:  "Stopped: %.2f%% correct on the test images. The drawing above uses this model now.",
		trainFailed:   "Training failed: %v",
		ownTitle:      "Teach it your handwriting",
		ownHint:       "Draw a digit above, say which digit it is, and add it. Then teach: the model fine-tunes on your digits mixed with MNIST, so that it learns your hand without forgetting everyone else's.",
		thisDigitIs:   "This is a", addSample: "Add to my digits",
		ownCount: "%d of your digits are kept in this browser.", ownNone: "No digits of yours yet.",
		teach: "Teach it my handwriting", forget: "Forget my digits", drawFirst: "Draw a digit first.",
	}
	chinese = &messages{
		lang: "zh-CN", langName: "简体中文", switchTo: "English",
		title:   "lstm-digits",
		tagline: "LSTM 一次读入一行像素，识别你手写的数字——全部在你的浏览器中运行。",
		loading: "正在加载模型…", loadFailed: "出错了：%v",
		modelInfo: "内置模型：在 %[2]d 张 MNIST 测试图像上准确率 %.2[1]f%% · %[3]d KiB",
		draw:      "写一个数字", drawHint: "可用鼠标、手指或手写笔书写。按键：Delete 清除，Ctrl+Z 撤销，E 画一个示例。",
		clear: "清除", undo: "撤销", example: "示例",
		modelSees: "模型看到的图像（28×28）", prediction: "预测", noInk: "写一个数字，看看模型读到了什么。",
		probabilities: "概率", inferenceMs: "一次预测耗时 %.2f 毫秒（WebAssembly，%s，在此标签页中）",
		simd: "SIMD128 内核", noSIMD: "纯 Go 内核，较慢：此浏览器不支持 WebAssembly SIMD128",
		inside:       "LSTM 内部",
		insideHint:   "每一行是一个时间步：模型已读入图像的这么多行。指向某一行（或拖动滑块），即可在 28×28 图像中高亮该行。",
		step:         "第 %d 步，共 28 步",
		probsPerStep: "每一步之后的类别概率（0–9 列）",
		hidden:       "第 %d 层隐藏状态 h（28 步 × %d 个单元）",
		cell:         "第 %d 层细胞状态 c，显示为 tanh(c)（28 步 × %d 个单元）",
		howTitle:     "这个模型如何工作",
		howIntro:     "模型是 PyTorch 的 nn.LSTM(input_size=28, hidden_size=128, num_layers=2, batch_first=True)，后接 nn.Linear(128, 10)，这里由编译成 WebAssembly 的 Go 代码计算。",
		howArgs: [][2]string{
			{"input_size = 28", "每一步读入的特征数：一行 28 个像素。28 行就是 28 个时间步。"},
			{"hidden_size = 128", "每层在步与步之间携带的状态 h（以及细胞状态 c）的大小：即上面各图的 128 列。"},
			{"num_layers = 2", "两个 LSTM 堆叠：第 2 层在每一步读入第 1 层的 h，而不是像素。"},
			{"batch_first = True", "输入形状为 [批量, 步数, 特征] = [1, 28, 28]，而不是 [步数, 批量, 特征]。"},
		},
		howOutputs: [][2]string{
			{"output [1, 28, 128]", "顶层在每一步的 h（即“第 2 层隐藏状态”图）。分类器只用它的最后一行。"},
			{"h_n [2, 1, 128]", "每层在最后一步之后的 h：每张隐藏状态图的最后一行。"},
			{"c_n [2, 1, 128]", "每层在最后一步之后的细胞状态：各个门写入和读取的记忆。"},
		},
		howOutro:        "线性层把最后的 h 变成 10 个分数，softmax 再把它们变成概率。上面每一步的概率是把同一个线性层用于每一步之后的 h，仿佛图像在那里结束。",
		canvasLabel:     "书写区域：写一个数字",
		modelInputLabel: "模型读入的 28×28 图像",
		stepSliderLabel: "要高亮的时间步",
		languageLabel:   "语言",

		modelTitle:    "模型",
		sourceBundled: "内置模型", sourceTrained: "在此浏览器中训练", sourceUploaded: "上传自 %s",
		modelShape:    "%d 个参数 · 隐藏层大小 %d · %d 层",
		modelAccuracy: "在 %[2]d 张测试图像上准确率 %.2[1]f%%", modelUntested: "尚未测试",
		download: "下载（.safetensors）", upload: "上传 .safetensors 模型", reset: "恢复内置模型",
		uploadFailed: "无法使用 %s：%v", uploadDone: "现在使用 %s。", modelKept: "已保留之前的模型。",
		storageFailed: "此浏览器未能保存模型（%v）；离开页面前仍会使用它。",
		storedOnly:    "已保存在此浏览器中：重新加载后仍在。",
		interrupted:   "有一次训练在第 %d 轮（共 %d 轮）之后被中断（页面被重新加载或关闭）：%s，%d 张训练图像，批大小 %d。要从那里继续吗？结果与从未中断时完全相同。",
		resumeRun:     "继续训练", discardRun: "放弃",
		trainTitle: "在浏览器中训练",
		trainHint:  "真正的两层 LSTM 就在这里训练：Web Worker 运行同样的 Go 代码，使用随页面提供的 10,000 张 MNIST 图像，或完整的 MNIST。页面保持响应；每个轮次之后，上面的书写区就会使用新模型。",
		startFrom:  "起点", fromModel: "当前模型（微调）", fromScratch: "从零开始（随机权重）",
		hiddenSize: "隐藏层大小", layers: "层数", learningRate: "学习率", batchSize: "批量大小", epochs: "轮次",
		trainImages: "训练图像", testImages: "测试图像", workers: "Worker 数", ownRepeats: "你的数字重复次数",
		start: "开始", pause: "暂停", resume: "继续", stop: "停止",
		starting:  "正在启动 %d 个 worker 并加载图像…",
		progress:  "第 %d 轮，共 %d 轮 · 第 %d 批，共 %d 批",
		speed:     "每秒 %.0f 个样本 · 还剩 %s",
		paused:    "已暂停",
		lossLabel: "损失", accuracyLabel: "测试准确率", throughputLabel: "样本/秒",
		memoryLabel: "内存（Worker · 页面）", memory: "%d · %d MiB",
		lossChart:     "训练损失，逐批",
		accuracyChart: "准确率：每个训练批次（折线），每轮之后的测试图像（圆点）",
		confusion:     "在 %d 张测试图像上的混淆矩阵：行是真实数字，列是预测",
		perClass:      "各数字",
		trainDone:     "完成：测试图像准确率 %.2f%%。上面的书写区现在使用这个模型。",
		trainStopped:  "已停止：测试图像准确率 %.2f%%。上面的书写区现在使用这个模型。",
		trainFailed:   "训练失败：%v",
		ownTitle:      "教它认你的笔迹",
		ownHint:       "在上面写一个数字，说明它是几，然后添加。再点“教它”：模型在你的数字和 MNIST 的混合数据上微调，学会你的笔迹而不忘记别人的。",
		thisDigitIs:   "这是", addSample: "加入我的数字",
		ownCount: "此浏览器中保存了你的 %d 个数字。", ownNone: "还没有你的数字。",
		teach: "教它认我的笔迹", forget: "删除我的数字", drawFirst: "请先写一个数字。",
	}
)

// pick returns the message table for a BCP 47 language tag such as
// navigator.language gives: Chinese for any "zh", English otherwise.
func pick(tag string) *messages {
	if strings.HasPrefix(strings.ToLower(tag), "zh") {
		return chinese
	}
	return english
}

// inLanguage returns, of a table that stands apart from messages, the
// version in m's language: zh for Chinese, en otherwise.
func inLanguage[T any](m *messages, en, zh *T) *T {
	if m == chinese {
		return zh
	}
	return en
}
