package web

// dataMessages is the text of the training panel's choice of data and of
// the download of all of MNIST, in one language (kept apart from messages
// so that each table stays short). Templates take their values with fmt
// verbs in the order the comment gives.
type dataMessages struct {
	images      string
	subset, all string
	seedOnMNIST string
	// seedOnMNISTHint is the preset's tooltip.
	seedOnMNISTHint string
	loading         string // MB loaded, MB in all
	loadingCache    string // MB read, MB in all
	checking        string
}

// data is the data table in the language of m.
func (m *messages) data() *dataMessages { return inLanguage(m, englishData, chineseData) }

var (
	englishData = &dataMessages{
		images:      "Images",
		subset:      "the shipped subset (10,000 + 2,000 test)",
		all:         "all of MNIST (60,000 + 10,000 test, 11.6 MB)",
		seedOnMNIST: "The seed's settings on all of MNIST",
		seedOnMNISTHint: "All 60,000 training images with the seed's batch, learning rate and 20 epochs, from scratch, " +
			"one worker per core: the quickest run, though the page then shares its cores with the workers",
		loading:      "Loading all of MNIST: %.1f of %.1f MB",
		loadingCache: "Reading all of MNIST from this browser's cache: %.1f of %.1f MB",
		checking:     "Checking and unpacking all of MNIST…",
	}
	chineseData = &dataMessages{
		images:      "图像",
		subset:      "随页面提供的子集（10,000 + 2,000 张测试）",
		all:         "完整的 MNIST（60,000 + 10,000 张测试，11.6 MB）",
		seedOnMNIST: "在完整 MNIST 上使用种子模型的设置",
		seedOnMNISTHint: "用全部 60,000 张训练图像、种子模型的批大小、学习率和 20 个轮次从头训练，" +
			"每个核心一个 worker：最快的训练方式，但页面会与 worker 共用这些核心",
		loading:      "正在下载完整的 MNIST：%.1f / %.1f MB",
		loadingCache: "正在从浏览器缓存读取完整的 MNIST：%.1f / %.1f MB",
		checking:     "正在校验并解压完整的 MNIST…",
	}
)
