// The same checks as tcp_check_floor.c with io_uring: socket() as a system call, then connect and
// close as two hard-linked requests, submitted and reaped once per loop turn (about one
// io_uring_enter a millisecond), so one system call per check. Not used by hadirector: it shows
// where the kernel charges the work (see the README's health-check figures).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <liburing.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
static double cpu(double *u,double *s){struct rusage r;getrusage(RUSAGE_SELF,&r);*u=r.ru_utime.tv_sec+r.ru_utime.tv_usec/1e6;*s=r.ru_stime.tv_sec+r.ru_stime.tv_usec/1e6;return *u+*s;}
static struct sockaddr_in addrs[65536];
int main(int argc,char**argv){
  int n=atoi(argv[1]); int secs=atoi(argv[2]);
  struct io_uring ring; int r=io_uring_queue_init(4096,&ring,0); if(r<0){printf("init %s\n",strerror(-r));return 1;}
  long done=0,fails=0; int i=0; double start=now(),next=start; double u0,s0,c0=cpu(&u0,&s0),t0=now();
  while(now()-start<secs){
    double t=now();
    while(next<=t){
      struct sockaddr_in *a=&addrs[i%65536]; memset(a,0,sizeof *a); a->sin_family=AF_INET; a->sin_port=htons(8080);
      a->sin_addr.s_addr=htonl((127u<<24)|(1u<<16)|((i/250)<<8)|(1+i%250)); i=(i+1)%n;
      int fd=socket(AF_INET,SOCK_STREAM|SOCK_CLOEXEC,0);
      struct io_uring_sqe*e=io_uring_get_sqe(&ring); io_uring_prep_connect(e,fd,(struct sockaddr*)a,sizeof *a); e->flags|=IOSQE_IO_HARDLINK; io_uring_sqe_set_data64(e,1);
      e=io_uring_get_sqe(&ring); io_uring_prep_close(e,fd); io_uring_sqe_set_data64(e,2);
      next+=1.0/n;
    }
    struct __kernel_timespec ts={0,1000000}; struct io_uring_cqe*c;
    io_uring_submit_and_wait_timeout(&ring,&c,1,&ts,NULL);
    unsigned head,k=0; io_uring_for_each_cqe(&ring,head,c){ if(c->user_data==1){ if(c->res<0)fails++; else done++; } k++; } io_uring_cq_advance(&ring,k);
    if(now()-t0>=10){double u,s;double cc=cpu(&u,&s);double dt=now()-t0;printf("%.0f checks/s, cpu %.1f%% (user %.1f%%, sys %.1f%%), fails %ld\n",done/dt,100*(cc-c0)/dt,100*(u-u0)/dt,100*(s-s0)/dt,fails);fflush(stdout);done=0;fails=0;c0=cc;u0=u;s0=s;t0=now();}
  }
  return 0;
}
