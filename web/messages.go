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
	probabilities, inferenceMs     string // inferenceMs: milliseconds
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
		probabilities: "Probabilities", inferenceMs: "One prediction took %.1f ms (WebAssembly, in this tab)",
		inside:       "Inside the LSTM",
		insideHint:   "Each row is one time step: the model has read that many rows of the image. Point at a row (or move the slider) to highlight it in the 28×28 image.",
		step:         "Step %d of 28",
		probsPerStep: "Class probabilities after each step (columns 0–9)",
		hidden:       "Layer %d hidden state h (28 steps × 128 units)",
		cell:         "Layer %d cell state c, as tanh(c) (28 steps × 128 units)",
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
		probabilities: "概率", inferenceMs: "一次预测耗时 %.1f 毫秒（WebAssembly，在此标签页中）",
		inside:       "LSTM 内部",
		insideHint:   "每一行是一个时间步：模型已读入图像的这么多行。指向某一行（或拖动滑块），即可在 28×28 图像中高亮该行。",
		step:         "第 %d 步，共 28 步",
		probsPerStep: "每一步之后的类别概率（0–9 列）",
		hidden:       "第 %d 层隐藏状态 h（28 步 × 128 个单元）",
		cell:         "第 %d 层细胞状态 c，显示为 tanh(c)（28 步 × 128 个单元）",
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
