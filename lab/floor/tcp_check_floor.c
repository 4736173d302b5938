// The floor of TCP_CHECK on this kernel, for comparison with hadirector's checker (lab/bench-checks):
// nonblocking connect to N loopback listeners (127.1.x.y:8080) at N a second, epoll for completion,
// SO_ERROR, close: five system calls per check and nothing else (with FLOOR_LINGER set, a reset
// instead of a FIN: SO_LINGER 0, one call more). With FLOOR_REUSE set, hadirector's TcpConnector
// way: the handshake's ACK held back (TCP_DEFER_ACCEPT), a completed connect reset by a connect to
// AF_UNSPEC and its socket kept for the next connect (one-shot epoll re-armed with EPOLL_CTL_MOD):
// connect, epoll_ctl and the disconnect per check. Prints process CPU every 10 s.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
static double cpu(double *u,double *s){struct rusage r;getrusage(RUSAGE_SELF,&r);*u=r.ru_utime.tv_sec+r.ru_utime.tv_usec/1e6;*s=r.ru_stime.tv_sec+r.ru_stime.tv_usec/1e6;return *u+*s;}
int main(int argc,char**argv){
  int n=atoi(argv[1]); int secs=atoi(argv[2]); int lg=getenv("FLOOR_LINGER")!=NULL; struct linger L={1,0};
  int reuse=getenv("FLOOR_REUSE")!=NULL; static int pool[4096]; int np=0; int one=1;
  int ep=epoll_create1(0); long done=0, fails=0;
  double start=now(), next=start; int i=0;
  double u0,s0,c0=cpu(&u0,&s0), t0=now();
  struct epoll_event evs[256];
  while(now()-start<secs){
    double t=now();
    // launch checks due: n per second, evenly
    while(next<=t){
      int fd, pooled=reuse&&np>0;
      if(pooled) fd=pool[--np];
      else { fd=socket(AF_INET,SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC,0); if(lg&&!reuse)setsockopt(fd,SOL_SOCKET,SO_LINGER,&L,sizeof L);
             if(reuse)setsockopt(fd,IPPROTO_TCP,TCP_DEFER_ACCEPT,&one,sizeof one); }
      struct sockaddr_in a={0}; a.sin_family=AF_INET; a.sin_port=htons(8080);
      a.sin_addr.s_addr=htonl((127u<<24)|(1u<<16)|((i/250)<<8)|(1+i%250)); i=(i+1)%n;
      int r=connect(fd,(struct sockaddr*)&a,sizeof a);
      if(r==0){close(fd);done++;}
      else if(errno==EINPROGRESS){struct epoll_event e={.events=EPOLLOUT|EPOLLONESHOT,.data.fd=fd};epoll_ctl(ep,pooled?EPOLL_CTL_MOD:EPOLL_CTL_ADD,fd,&e);}
      else {close(fd);fails++;}
      next+=1.0/n;
    }
    int k=epoll_wait(ep,evs,256,1);
    for(int j=0;j<k;j++){int fd=evs[j].data.fd;
      if(reuse){ // the event says it: writable without error is a completed connect
        if(evs[j].events&(EPOLLERR|EPOLLHUP)){fails++;close(fd);continue;}
        done++; struct sockaddr u={0}; u.sa_family=AF_UNSPEC;
        if(np<4096&&connect(fd,&u,sizeof u)==0)pool[np++]=fd; else close(fd);
        continue;
      }
      int err=0;socklen_t l=sizeof err;getsockopt(fd,SOL_SOCKET,SO_ERROR,&err,&l);if(err)fails++;else done++;close(fd);}
    if(now()-t0>=10){double u,s;double c=cpu(&u,&s);double dt=now()-t0;printf("%.0f checks/s, cpu %.1f%% (user %.1f%%, sys %.1f%%), fails %ld\n",done/dt,100*(c-c0)/dt,100*(u-u0)/dt,100*(s-s0)/dt,fails);fflush(stdout);done=0;fails=0;c0=c;u0=u;s0=s;t0=now();}
  }
  return 0;
}
